/// How a credential value is compared: people type emails and EVM addresses in any case, so those
/// match without regard to it; every other value (ids, usernames, addresses of chains whose
/// encoding is case-sensitive, such as base58) matches exactly. Stores keep this key beside the
/// value as given, look credentials up by it, and make it unique; answers show the value as given.
public enum CredentialMatching {
    /// The key `value` of `kind` is looked up and made unique by.
    public static func key(_ kind: Credentials.Kind, _ value: String) -> String {
        switch kind {
        case .email: value.lowercased()
        case .wallet: isEVMAddress(value) ? value.lowercased() : value
        case .username, .discordId, .twitterId: value
        }
    }

    /// True for `0x` (or `0X`) followed by exactly 40 hex digits: an EVM address, whose case is
    /// only a checksum (EIP-55) and never changes which account it names.
    public static func isEVMAddress(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 42, bytes[0] == UInt8(ascii: "0"), bytes[1] | 0x20 == UInt8(ascii: "x") else {
            return false
        }
        return bytes[2...].allSatisfy { byte in
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
        }
    }
}

extension Credentials {
    /// The key the credential of `kind` is looked up and made unique by (`CredentialMatching.key`);
    /// nil when it is absent.
    public func matchKey(_ kind: Kind) -> String? { self[kind].map { CredentialMatching.key(kind, $0) } }
}
