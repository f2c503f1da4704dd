// RFC 9111 §3.5: a response to a request with credentials is shared only when it says so (public,
// s-maxage, must-revalidate) or the route opts in. A token in the cookie or the query parameter is a
// credential exactly as an Authorization header is, also on routes that do not look at tokens.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fixed, startOrigin, type TestOrigin } from '../helpers/origin.js';
import { fakeClock, inProcessGateway, type InProcessGateway } from '../helpers/pipeline.js';
import { hs256, jwtConfig } from '../helpers/tokens.js';

let origin: TestOrigin;
let gateway: InProcessGateway;
let n = 0;

before(async () => {
  origin = await startOrigin();
  origin.on('/', fixed({ 'content-type': 'text/plain', 'cache-control': 'max-age=60' }, 'page'));
  gateway = await inProcessGateway(
    {
      upstream: origin.url,
      jwt: jwtConfig({ cookie: 'jwt' }),
      routes: [
        { path: '/public/', auth: 'off', tokenQueryParam: 'access_token' },
        { path: '/maybe/', auth: 'optional', tokenQueryParam: 'access_token' },
      ],
    },
    fakeClock(),
  );
});
after(async () => {
  await gateway.close();
  await origin.close();
});

async function secondStatus(prefix: string, headers: Record<string, string>, query = ''): Promise<string | undefined> {
  const url = `${prefix}page-${++n}${query}`;
  await gateway.request(url, headers);
  return (await gateway.request(url, headers)).headers['cache-status'];
}

test('without credentials, max-age is shared', async () => {
  assert.equal(await secondStatus('/public/', {}), 'Bouncer; hit');
  assert.equal(await secondStatus('/public/', { cookie: 'theme=dark; session=abc' }), 'Bouncer; hit', 'other cookies are no credential');
});

test('a token cookie, a query token or an Authorization header makes the request credentialed', async () => {
  const token = await hs256();
  const notShared = 'Bouncer; fwd=miss; detail=not-shareable';
  assert.equal(await secondStatus('/public/', { cookie: `theme=dark; jwt=${token}` }), notShared, 'the token cookie on an auth: off route');
  assert.equal(await secondStatus('/public/', {}, `?access_token=${token}`), notShared, 'the query token on an auth: off route');
  assert.equal(await secondStatus('/public/', { authorization: 'Basic dTpw' }), notShared, 'any Authorization header');
  assert.equal(await secondStatus('/maybe/', { cookie: `jwt=${token}` }), notShared, 'a valid cookie token on an optional route');
});
