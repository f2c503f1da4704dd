// A real ROCA-vulnerable RSA public key (CVE-2017-15361), made the way Infineon's RSALib made them:
// both primes of the form p = k·M + (65537^a mod M), with M the product of the first 126 primes (the
// paper's M for 2048-bit keys). Used to show that Bouncer refuses such a key.
import { checkPrimeSync, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';

function firstPrimes(count: number): bigint[] {
  const primes: bigint[] = [];
  for (let n = 2n; primes.length < count; n++) if (primes.every((p) => n % p !== 0n)) primes.push(n);
  return primes;
}

const M = firstPrimes(126).reduce((product, p) => product * p, 1n);

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

function randomBigInt(bits: number): bigint {
  return BigInt(`0x${randomBytes(Math.ceil(bits / 8)).toString('hex')}`) & ((1n << BigInt(bits)) - 1n);
}

/** A prime of RSALib's form with exactly `bits` bits, its top two bits set (so two make a full-length modulus). */
function rocaPrime(bits: number): bigint {
  const low = 3n << BigInt(bits - 2);
  for (;;) {
    const k = (low + randomBigInt(bits - 2)) / M;
    const p = k * M + modPow(65537n, randomBigInt(64), M);
    if (p >> BigInt(bits - 2) === 3n && checkPrimeSync(p)) return p;
  }
}

const base64url = (n: bigint): string => Buffer.from(n.toString(16).padStart(Math.ceil(n.toString(16).length / 2) * 2, '0'), 'hex').toString('base64url');

/** A 2048-bit ROCA-form RSA public key (about a second to find its two primes). */
export function rocaPublicKey(): KeyObject {
  const n = rocaPrime(1024) * rocaPrime(1024);
  return createPublicKey({ key: { kty: 'RSA', n: base64url(n), e: 'AQAB' }, format: 'jwk' });
}
