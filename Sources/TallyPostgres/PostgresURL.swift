import Foundation
import TallyCore

/// A parsed `postgres://user:pass@host:port/db?sslmode=verify-full&sslrootcert=/path/ca.pem` URL.
///
/// Parsed by hand (rather than trusting `URL` alone) so that every rejection is a clear
/// `VALIDATION_ERROR` and the password never appears in a message.
public struct PostgresURL: Sendable, Equatable {
    /// Whether the connection is encrypted, and what of the server's certificate is checked. The
    /// names and meanings are libpq's; `allow` and `prefer`, which fall back to plain TCP without
    /// saying so, are refused.
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP (the default when the URL names no `sslmode`).
        case disable
        /// TLS, or no connection; the certificate is not checked (encrypted, not authenticated).
        case require
        /// TLS, and the server's certificate chain must lead to a trusted root.
        case verifyCA = "verify-ca"
        /// TLS, the chain must lead to a trusted root, and the certificate must name the host.
        case verifyFull = "verify-full"

        /// True when the server's certificate is checked against trusted roots.
        public var verifiesCertificate: Bool { self == .verifyCA || self == .verifyFull }
    }

    /// One server of the URL.
    public struct Server: Sendable, Equatable {
        public let host: String
        public let port: Int

        /// The server as `host:port`, for messages.
        public var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The server's host name or address (the first server's, when the URL names several).
    public let host: String
    /// The server's port (5432 when the URL names none).
    public let port: Int
    /// Every server the URL names, in order (`postgres://user:pass@h1:5432,h2:5432/db`, as libpq
    /// takes them): the store writes to the one that is not in recovery (docs/SCALING.md,
    /// "Failover"). One for a URL with one host.
    public let servers: [Server]
    /// Most servers one URL names.
    public static let serversMax = 8
    /// The role to log in as.
    public let username: String
    /// The role's password, if any.
    public let password: String?
    /// The database name (the user name when the URL names none, as libpq does).
    public let database: String
    /// The URL's `sslmode`; `disable` when it names none.
    public let sslMode: SSLMode
    /// The URL's `sslrootcert`: a PEM file of the root certificates to trust, or nil for the
    /// system's trusted roots. Only with `verify-ca` or `verify-full`.
    public let sslRootCert: String?

    /// The `sslrootcert` value that names the system's trusted roots (libpq's spelling).
    public static let systemRoots = "system"

    /// Parses `text`. Throws `VALIDATION_ERROR` naming what is wrong: a bad scheme, host, user or
    /// port, an unknown parameter, an `sslmode` Tally does not speak, or an `sslrootcert` that is
    /// not a readable file. No message contains the password.
    public init(_ given: String) throws(TallyError) {
        guard given.hasPrefix("postgres://") || given.hasPrefix("postgresql://") else {
            throw .validation("A PostgreSQL URL begins with postgres:// or postgresql://.")
        }
        // Several servers (h1:p1,h2:p2) are taken apart here; the rest is parsed with the first.
        let (text, others) = try Self.separateServers(given)
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw .validation("The PostgreSQL URL must name a host: postgres://user:pass@host:port/db.")
        }
        guard let user = components.user, !user.isEmpty else {
            throw .validation("The PostgreSQL URL must name a user: postgres://user:pass@host:port/db.")
        }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw .validation("The PostgreSQL port must be 1 to 65535.") }
        var sslMode: SSLMode?
        var sslRootCert: String?
        for item in components.queryItems ?? [] {
            // Only parameter names are quoted: a value might be a secret (libpq takes `password=`).
            switch item.name {
            case "sslmode":
                guard sslMode == nil else { throw .validation("The PostgreSQL URL gives sslmode twice.") }
                sslMode = try Self.sslMode(item.value ?? "")
            case "target_session_attrs":
                // libpq's way to ask for the writable server of several: what Tally always does.
                guard item.value == "read-write" || item.value == "primary" else {
                    throw .validation(
                        "target_session_attrs in the PostgreSQL URL must be read-write or primary: Tally writes only to the primary."
                    )
                }
            case "sslrootcert":
                guard sslRootCert == nil else { throw .validation("The PostgreSQL URL gives sslrootcert twice.") }
                guard let value = item.value, !value.isEmpty else {
                    throw .validation("sslrootcert in the PostgreSQL URL names no file.")
                }
                sslRootCert = value
            default:
                throw .validation(
                    "Unknown PostgreSQL URL parameter '\(item.name)'; Tally accepts sslmode, sslrootcert and target_session_attrs."
                )
            }
        }
        let mode = sslMode ?? .disable
        if let sslRootCert {
            guard mode.verifiesCertificate else {
                throw .validation(
                    "sslrootcert is used only with sslmode=verify-ca or sslmode=verify-full (this URL has sslmode=\(mode.rawValue)); sslmode=require does not check the certificate."
                )
            }
            if sslRootCert != Self.systemRoots { try Self.checkReadable(sslRootCert) }
        }
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        guard !path.contains("/") else { throw .validation("The PostgreSQL URL names one database: .../db.") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        self.servers = [Server(host: self.host, port: port)] + others
        self.username = user
        self.password = components.password
        self.database = path.isEmpty ? user : path
        self.sslMode = mode
        self.sslRootCert = sslRootCert == Self.systemRoots ? nil : sslRootCert
    }

    private static func sslMode(_ value: String) throws(TallyError) -> SSLMode {
        if let mode = SSLMode(rawValue: value) { return mode }
        if value == "allow" || value == "prefer" {
            throw .validation(
                "sslmode=\(value) is not supported: it falls back to plain TCP without saying so. Use sslmode=require, verify-ca or verify-full for TLS, or sslmode=disable."
            )
        }
        throw .validation(
            "Unknown sslmode '\(value)' in the PostgreSQL URL; use disable, require, verify-ca or verify-full.")
    }

    private static func checkReadable(_ path: String) throws(TallyError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .validation("sslrootcert \(path): no such file.")
        }
        guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path) else {
            throw .validation("sslrootcert \(path) is not a readable file.")
        }
    }

    /// The servers as `host:port`, comma-separated, for messages.
    public var endpoint: String {
        servers.map(\.endpoint).joined(separator: ",")
    }

    /// `given` with only its first server, and the other servers it names.
    private static func separateServers(_ given: String) throws(TallyError) -> (String, [Server]) {
        guard let schemeEnd = given.range(of: "://") else { return (given, []) }
        let rest = given[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let hostsStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let list = authority[hostsStart...]
        guard list.contains(",") else { return (given, []) }
        let parts = list.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count <= serversMax else {
            throw .validation("The PostgreSQL URL names at most \(serversMax) servers.")
        }
        var others = [Server]()
        for part in parts.dropFirst() {
            others.append(try server(String(part)))
        }
        let first = String(given[..<hostsStart]) + parts[0] + String(given[authorityEnd...])
        return (first, others)
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    private static func server(_ text: String) throws(TallyError) -> Server {
        var host = text
        var port = 5432
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw .validation("A server in the PostgreSQL URL has an unclosed [.")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") {
                guard let number = Int(after.dropFirst()) else {
                    throw .validation("The PostgreSQL port must be a number.")
                }
                port = number
            } else if !after.isEmpty {
                throw .validation("A server in the PostgreSQL URL is malformed.")
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            guard let number = Int(text[text.index(after: colon)...]) else {
                throw .validation("The PostgreSQL port must be a number.")
            }
            port = number
        }
        guard !host.isEmpty else { throw .validation("Every server in the PostgreSQL URL must name a host.") }
        guard (1...65_535).contains(port) else { throw .validation("The PostgreSQL port must be 1 to 65535.") }
        return Server(host: host, port: port)
    }

    /// The URL without its password, safe to log or print; it keeps `sslmode` (and
    /// `sslrootcert`) so a reader sees how the connection is secured.
    public var redacted: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(endpoint)/\(database)?\(tlsParameters)"
    }

    /// `sslmode=...` and, when given, `&sslrootcert=...`.
    var tlsParameters: String {
        "sslmode=\(sslMode.rawValue)" + (sslRootCert.map { "&sslrootcert=\($0)" } ?? "")
    }
}
