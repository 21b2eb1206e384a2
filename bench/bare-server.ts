/**
 * The baseline: a bare node:http server answering every request with fixed bytes (the body and
 * content type egov returned for the page under test). Prints its port on stdout.
 *   BODY_FILE=… CONTENT_TYPE=… node --import tsx bench/bare-server.ts
 */
import http from 'node:http';
import fs from 'node:fs';

const body = fs.readFileSync(process.env.BODY_FILE ?? '/dev/null');
const type = process.env.CONTENT_TYPE ?? 'text/html; charset=utf-8';
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': type, 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 72_000;
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  console.log(typeof addr === 'object' && addr ? addr.port : 0);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
