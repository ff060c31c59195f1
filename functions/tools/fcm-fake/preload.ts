// Preloaded (`NODE_OPTIONS=--require`) into the Functions emulator's workers while they run on the
// FCM fake: firebase-admin has no host setting for FCM, so the HTTP/2 connections its sendEach
// opens to fcm.googleapis.com are carried to the fake (PUSHFAN_FCM_FAKE, host:port) instead. The
// requests themselves (authority, paths, headers, bodies) are untouched but for one header (below);
// the product's code too.
import http2 = require("node:http2");
import net = require("node:net");

export const FCM_HOST = "fcm.googleapis.com";

/** `http2.connect` that sends connections to FCM over a socket to `fake` (cleartext HTTP/2). */
export function redirectFcm(fake: string): void {
  const [host, port] = [fake.slice(0, fake.lastIndexOf(":")), Number(fake.slice(fake.lastIndexOf(":") + 1))];
  const connect = http2.connect;
  const redirected = function (this: unknown, authority: string | URL, ...rest: unknown[]) {
    const hostname = typeof authority === "string" ? new URL(authority).hostname : authority.hostname;
    if (hostname !== FCM_HOST) return (connect as (...args: unknown[]) => http2.ClientHttp2Session).call(this, authority, ...rest);
    const [options, listener] = typeof rest[0] === "function" ? [{}, rest[0]] : [rest[0] ?? {}, rest[1]];
    const createConnection = () => net.connect(port, host);
    const session = connect.call(this, authority, { ...(options as http2.ClientSessionOptions), createConnection }, listener as never);
    // firebase-admin sends `:scheme: https:` (a URL's protocol, colon included). Google's front end
    // takes it; nghttp2, under Node's HTTP/2 server, resets such a stream as a protocol error.
    const request = session.request;
    session.request = function (headers, ...more) {
      const scheme = (headers as http2.OutgoingHttpHeaders | undefined)?.[":scheme"];
      const fixed = typeof scheme === "string" ? { ...(headers as http2.OutgoingHttpHeaders), ":scheme": scheme.replace(/:$/, "") } : headers;
      return request.call(this, fixed as http2.OutgoingHttpHeaders, ...(more as [http2.ClientSessionRequestOptions?]));
    };
    return session;
  };
  (http2 as { connect: unknown }).connect = redirected;
}

if (process.env.PUSHFAN_FCM_FAKE) redirectFcm(process.env.PUSHFAN_FCM_FAKE);
