import Crypto

/// How a delivery is signed (docs/EVENTS.md, "Verifying a delivery"). Both signatures are
/// HMAC-SHA256 keyed with the subscription's secret (its UTF-8 bytes), in lowercase hex:
/// - `X-DRIP-Signature: sha256=<hex>` over the exact body bytes, as DRIP signs;
/// - `X-Tally-Signature: v1=<hex>` over `<X-Tally-Timestamp>.<body>`, so that a receiver that
///   also checks the timestamp is recent cannot be fooled by a delivery captured and replayed.
public enum WebhookSignature {
    /// The header DRIP's receivers check.
    public static let dripHeader = "X-DRIP-Signature"
    /// Tally's signature, which covers the timestamp.
    public static let tallyHeader = "X-Tally-Signature"
    /// When the delivery was signed, in whole seconds since 1970.
    public static let timestampHeader = "X-Tally-Timestamp"
    /// The event's id: the same on every attempt, for receivers to drop duplicates.
    public static let eventIDHeader = "X-Tally-Event-Id"
    /// The event's type, for receivers that route before parsing.
    public static let eventTypeHeader = "X-Tally-Event-Type"
    /// How old a timestamp a receiver should accept, in seconds (the documented advice).
    public static let toleranceSeconds: Int64 = 300

    /// `sha256=<hex>` over `body`.
    public static func drip(body: [UInt8], secret: WebhookSecret) -> String {
        "sha256=" + hmac(body, secret)
    }

    /// `v1=<hex>` over `<timestamp>.<body>`.
    public static func tally(body: [UInt8], timestamp: Int64, secret: WebhookSecret) -> String {
        "v1=" + hmac(Array("\(timestamp).".utf8) + body, secret)
    }

    /// Whether `header` is the timestamped signature of `body` at `timestamp`, and the timestamp
    /// is within `toleranceSeconds` of `now` (seconds), compared in constant time. What a receiver
    /// does; Tally's tests check deliveries with it.
    public static func verify(
        body: [UInt8], timestamp: Int64, header: String, secret: WebhookSecret, now: Int64
    ) -> Bool {
        guard abs(now - timestamp) <= toleranceSeconds else { return false }
        let expected = Array(tally(body: body, timestamp: timestamp, secret: secret).utf8)
        let given = Array(header.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    static func hmac(_ message: [UInt8], _ secret: WebhookSecret) -> String {
        let key = SymmetricKey(data: Array(secret.text.utf8))
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }
}
