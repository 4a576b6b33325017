// A receiver of Tally's webhook deliveries that checks both signatures (docs/EVENTS.md).
// Node.js, no dependencies:  TALLY_WEBHOOK_SECRET=whsec_... PORT=9000 node webhook-receiver.js
const http = require('http');
const crypto = require('crypto');

const secret = process.env.TALLY_WEBHOOK_SECRET;

// DRIP's check, as DRIP's own examples write it: the parsed body, written again with
// JSON.stringify, signed with the secret. Tally's bodies come out of this unchanged.
function verifyDripSignature(parsedBody, header) {
  const payload = JSON.stringify(parsedBody);
  const expected = 'sha256=' + crypto.createHmac('sha256', secret).update(payload).digest('hex');
  return header === expected;
}

// Tally's check: the exact bytes with the timestamp in front, and a timestamp no older than
// five minutes, so that a delivery captured on the way cannot be replayed later.
function verifyTallySignature(rawBody, timestamp, header) {
  if (!timestamp || !header) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = 'v1=' + crypto.createHmac('sha256', secret)
    .update(timestamp + '.').update(rawBody).digest('hex');
  return header.length === expected.length &&
    crypto.timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

const seen = new Set(); // event ids already handled: deliveries are at least once

http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    let event;
    try { event = JSON.parse(raw.toString('utf8')); } catch { res.writeHead(400); return res.end(); }
    if (!verifyDripSignature(event, req.headers['x-drip-signature']) ||
        !verifyTallySignature(raw, req.headers['x-tally-timestamp'], req.headers['x-tally-signature'])) {
      res.writeHead(401);
      return res.end();
    }
    if (!seen.has(event.id)) {
      seen.add(event.id);
      console.log(JSON.stringify({ verified: event.seq, type: event.type }));
    }
    res.writeHead(200);
    res.end('ok');
  });
}).listen(Number(process.env.PORT || 0), '127.0.0.1', function () {
  console.log(JSON.stringify({ listening: this.address().port }));
});
