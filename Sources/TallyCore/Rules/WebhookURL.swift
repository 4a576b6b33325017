/// Where a webhook may deliver (docs/EVENTS.md, "Safety"): an absolute `http` or `https` URL with
/// a host, no user name or password, and no fragment. Unless the server allows private
/// receivers (`serve --webhooks-allow-private`), a host that is a loopback, link-local, private
/// or otherwise non-public address, or `localhost`, is refused here, and a name is refused at
/// delivery when it resolves to one (`WebhookAddress`).
public struct WebhookURL: Sendable, Equatable {
    /// The URL as given.
    public let text: String
    /// `http` or `https`.
    public let scheme: String
    /// The host, without brackets for an IPv6 literal, lowercased.
    public let host: String
    /// The port, given or the scheme's default.
    public let port: Int

    /// Checks `text`; a `VALIDATION_ERROR` says what is wrong.
    public init(_ text: String, allowPrivate: Bool, limits: Limits) throws(TallyError) {
        guard !text.isEmpty, text.count <= limits.urlLengthMax else {
            throw .validation("url must be an http or https URL of at most \(limits.urlLengthMax) characters.")
        }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .validation("url must not contain spaces, control characters or non-ASCII characters.")
        }
        let lower = text.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") {
            scheme = "https"
        } else if lower.hasPrefix("http://") {
            scheme = "http"
        } else {
            throw .validation("url must begin with http:// or https://.")
        }
        let rest = text.dropFirst(scheme.count + 3)
        guard !rest.contains("#") else { throw .validation("url must not have a fragment (#...).") }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard !authority.contains("@") else {
            throw .validation("url must not carry a user name or password; receivers check the signature instead.")
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw .validation("url has an unclosed [ in its host.")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw .validation("url has text after its IPv6 host.") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw .validation("url must name a host.") }
        let port: Int
        if let portText {
            guard let number = Int(portText), (1...65_535).contains(number) else {
                throw .validation("url has a port that is not 1 to 65535.")
            }
            port = number
        } else {
            port = scheme == "https" ? 443 : 80
        }
        let hostText = host.lowercased()
        if !allowPrivate {
            if let address = IPAddress(hostText) {
                guard address.isPublic else {
                    throw .validation(
                        "url points at a loopback, link-local or private address; the server refuses those unless "
                            + "it runs with --webhooks-allow-private.")
                }
            } else if hostText == "localhost" || hostText.hasSuffix(".localhost") || hostText.hasSuffix(".local")
                || !hostText.contains(".")
            {
                throw .validation(
                    "url names a local host; the server refuses those unless it runs with --webhooks-allow-private.")
            }
        }
        self.text = text
        self.scheme = scheme
        self.host = hostText
        self.port = port
    }
}

/// An IPv4 or IPv6 address, parsed from its text, that can say whether it is public.
public enum IPAddress: Sendable, Equatable {
    case v4([UInt8])
    case v6([UInt8])

    /// Parses dotted IPv4 or IPv6 text (with `::` and an embedded IPv4 tail); nil otherwise.
    public init?(_ text: some StringProtocol) {
        if let v4 = Self.parseV4(text) {
            self = .v4(v4)
        } else if let v6 = Self.parseV6(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// An address from its bytes (4 or 16).
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self = .v4(bytes)
        case 16: self = .v6(bytes)
        default: return nil
        }
    }

    /// False for loopback, unspecified, private, shared (CGNAT), link-local, benchmarking,
    /// documentation, multicast and reserved addresses, and IPv6 unique-local, link-local,
    /// multicast, and IPv4-mapped or -compatible forms of a non-public IPv4 address.
    public var isPublic: Bool {
        switch self {
        case .v4(let b):
            switch b[0] {
            case 0, 10, 127: return false
            case 100 where (64...127).contains(b[1]): return false
            case 169 where b[1] == 254: return false
            case 172 where (16...31).contains(b[1]): return false
            case 192 where b[1] == 168: return false
            case 192 where b[1] == 0 && (b[2] == 0 || b[2] == 2): return false
            case 198 where b[1] == 18 || b[1] == 19: return false
            case 198 where b[1] == 51 && b[2] == 100: return false
            case 203 where b[1] == 0 && b[2] == 113: return false
            case 224...255: return false
            default: return true
            }
        case .v6(let b):
            if b[0..<15].allSatisfy({ $0 == 0 }) { return false }  // :: and ::1
            if b[0..<10].allSatisfy({ $0 == 0 }) && ((b[10] == 0xFF && b[11] == 0xFF) || (b[10] == 0 && b[11] == 0)) {
                return IPAddress.v4(Array(b[12..<16])).isPublic
            }
            if b[0] & 0xFE == 0xFC { return false }  // fc00::/7 unique local
            if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return false }  // fe80::/10 link-local
            if b[0] == 0xFE && b[1] & 0xC0 == 0xC0 { return false }  // fec0::/10 site-local
            if b[0] == 0xFF { return false }  // multicast
            if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8 { return false }  // documentation
            if b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B {  // 64:ff9b::/96 NAT64
                return IPAddress.v4(Array(b[12..<16])).isPublic
            }
            return true
        }
    }

    static func parseV4(_ text: some StringProtocol) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes = [UInt8]()
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber),
                let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func parseV6(_ text: some StringProtocol) -> [UInt8]? {
        var text = String(text)
        if let percent = text.firstIndex(of: "%") { text = String(text[..<percent]) }  // a zone: fe80::1%eth0
        guard text.contains(":"), text.count <= 45 else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt8]? {
            if part.isEmpty { return [] }
            var bytes = [UInt8]()
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, piece.contains("."), let v4 = parseV4(piece) {
                    bytes += v4
                    continue
                }
                guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                bytes += [UInt8(value >> 8), UInt8(value & 0xFF)]
            }
            return bytes
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 {
            return head.count == 16 ? head : nil
        }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + [UInt8](repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}
