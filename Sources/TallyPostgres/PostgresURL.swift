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

    /// The server's host name or address.
    public let host: String
    /// The server's port (5432 when the URL names none).
    public let port: Int
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
    public init(_ text: String) throws(TallyError) {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            throw .validation("A PostgreSQL URL begins with postgres:// or postgresql://.")
        }
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
            case "sslrootcert":
                guard sslRootCert == nil else { throw .validation("The PostgreSQL URL gives sslrootcert twice.") }
                guard let value = item.value, !value.isEmpty else {
                    throw .validation("sslrootcert in the PostgreSQL URL names no file.")
                }
                sslRootCert = value
            default:
                throw .validation(
                    "Unknown PostgreSQL URL parameter '\(item.name)'; Tally accepts sslmode and sslrootcert.")
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

    /// The server as `host:port`, for messages.
    public var endpoint: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
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
