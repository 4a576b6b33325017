import Crypto

/// SHA-256 through swift-crypto, the library postgres-nio already links (decision 0004).
///
/// The one entry point for the modules above TallyCore, so they hash without importing Crypto.
public enum Hashing {
    /// The 32-byte SHA-256 digest of `bytes`.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
}
