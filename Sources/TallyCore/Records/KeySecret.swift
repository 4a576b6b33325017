import Crypto

/// The secret half of an API key: `tally_<key id>_<64 hex digits of randomness>`.
///
/// The key id is inside the secret so the server finds the stored key without a scan, then
/// compares SHA-256 hashes in constant time. 256 random bits make a slow hash unnecessary.
public struct KeySecret: Sendable {
    /// The full secret as shown once to the operator.
    public let text: String
    /// The key id it embeds.
    public let keyID: KeyID

    private static let prefix = "tally_"

    /// A new secret for `keyID`.
    public init(keyID: KeyID, random: some RandomNumberGenerator = SystemRandomNumberGenerator()) {
        var rng = random
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        self.keyID = keyID
        self.text = Self.prefix + keyID.rawValue + "_" + Hex.encode(bytes)
    }

    /// Parses a presented secret; nil if it does not have the shape of one.
    public init?(presented text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        let prefixLength = Self.prefix.utf8.count
        guard utf8.count == prefixLength + 24 + 1 + 64,
            text.hasPrefix(Self.prefix),
            utf8[prefixLength + 24] == UInt8(ascii: "_"),
            let id = KeyID(String(decoding: utf8[prefixLength..<(prefixLength + 24)], as: UTF8.self)),
            utf8[(prefixLength + 25)...].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        else { return nil }
        self.keyID = id
        self.text = String(text)
    }

    /// SHA-256 of the secret, the only form ever stored.
    public var hash: [UInt8] { Hashing.sha256(Array(text.utf8)) }

    /// Whether this secret hashes to `stored`, compared in constant time.
    ///
    /// swift-crypto's `Digest == DataProtocol` looks at every byte whatever the first difference
    /// (a length mismatch returns at once, but every stored hash is 32 bytes).
    public func matches(_ stored: [UInt8]) -> Bool { SHA256.hash(data: Array(text.utf8)) == stored }
}
