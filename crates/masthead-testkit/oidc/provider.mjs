// A real OpenID Connect provider for the tests (`oidc-provider` from npm, installed
// by .ci/tools.sh), on loopback. Started by `masthead_testkit::oidc::OidcProvider`.
//
//   node provider.mjs PORT REDIRECT_URI
//
// One client, `masthead`, secret `masthead-secret`, code flow with PKCE required.
// Accounts: any login name; its email is `<login>@readers.example`, verified unless
// the login starts with "unverified". Consent is granted without asking.
//
// For the tests of what the site must refuse, POST /test/tamper with a JSON body
// {"claim": "nonce" | "exp" | "aud"} makes the next token response carry an ID token
// with that claim wrong, signed again with the provider's own key (so only the claim
// is wrong, not the signature); {"claim": "key"} signs it with a key the provider
// never published.
//
// POST /test/rotate makes the provider change its signing key, as providers do: from
// then on ID tokens are signed with a new key, and its JWKS publishes only that one.
import Provider from 'oidc-provider';
import * as jose from 'jose';

const [port, redirect] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const key = await jose.generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await jose.exportJWK(key.privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'masthead',
    client_secret: 'masthead-secret',
    redirect_uris: [redirect],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@readers.example`,
          email_verified: !id.startsWith('unverified'),
          name: `Reader ${id}`,
        };
      },
    };
  },
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name']);
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

let tamper = null;
// After /test/rotate: the key that signs and is published instead of the first.
let rotated = null;
const jwksPath = new URL(provider.urlFor('jwks')).pathname;
provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.path === '/test/rotate') {
    const fresh = await jose.generateKeyPair('RS256', { extractable: true });
    const published = { ...(await jose.exportJWK(fresh.publicKey)), kid: 'rotated-key', alg: 'RS256', use: 'sig' };
    rotated = { key: fresh.privateKey, published };
    ctx.status = 204;
    return;
  }
  if (ctx.method === 'POST' && ctx.path === '/test/tamper') {
    const chunks = [];
    for await (const c of ctx.req) chunks.push(c);
    tamper = JSON.parse(Buffer.concat(chunks).toString()).claim;
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path === jwksPath && rotated && ctx.body) {
    ctx.body = { keys: [rotated.published] };
  }
  if (ctx.path === '/token' && (tamper || rotated) && ctx.body && ctx.body.id_token) {
    const claims = jose.decodeJwt(ctx.body.id_token);
    const now = Math.floor(Date.now() / 1000);
    if (tamper === 'nonce') claims.nonce = 'not-the-one-sent';
    if (tamper === 'exp') { claims.iat = now - 7200; claims.exp = now - 3600; }
    if (tamper === 'aud') claims.aud = 'another-client';
    let signer = rotated ? { key: rotated.key, kid: 'rotated-key' } : { key: key.privateKey, kid: 'test-key' };
    if (tamper === 'key') {
      const stranger = await jose.generateKeyPair('RS256', { extractable: true });
      signer = { key: stranger.privateKey, kid: 'stranger-key' };
    }
    ctx.body.id_token = await new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: signer.kid })
      .sign(signer.key);
    tamper = null;
  }
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
