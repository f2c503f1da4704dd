// ROCA (CVE-2017-15361): Infineon's RSALib made RSA primes of the form p = k·M + (65537^a mod M), M
// a primorial, and moduli made of them can be factored (Nemec et al., "The Return of Coppersmith's
// Attack", CCS 2017). Such a modulus carries a fingerprint: modulo each small prime r, n is a power of
// 65537, i.e. it lies in the subgroup 65537 generates in (Z/rZ)*. The published detector
// (crocs-muni/roca, detect.py) tests the 38 primes from 3 to 167; a vulnerable modulus passes every
// test, a random one all of them with probability about 2^-27.8.

const PRIMES = [
  3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109,
  113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];

// For each prime r, which residues 65537 generates (1 at those indices): 3,000 bytes in all, built at
// import in about 3,000 multiplications.
const GENERATED = PRIMES.map((prime) => {
  const residues = new Uint8Array(prime);
  const generator = 65537 % prime;
  let power = 1;
  do {
    residues[power] = 1;
    power = (power * generator) % prime;
  } while (power !== 1);
  return residues;
});

/** Whether a big-endian RSA modulus has the ROCA fingerprint (a random modulus usually fails at the first primes). */
export function hasRocaFingerprint(modulus: Uint8Array): boolean {
  for (let i = 0; i < PRIMES.length; i++) {
    const prime = PRIMES[i]!;
    let residue = 0;
    for (const byte of modulus) residue = (residue * 256 + byte) % prime;
    if (GENERATED[i]![residue] !== 1) return false;
  }
  return true;
}
