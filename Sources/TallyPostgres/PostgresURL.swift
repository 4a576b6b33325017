import Foundation
import TallyCore

/// A parsed `postgres://user:pass@host:port/db?sslmode=disable` URL.
///
/// Parsed by hand (rather than trusting `URL` alone) so that every rejection is a clear
/// `VALIDATION_ERROR` and the password never appears in a message.
public struct PostgresURL: Sendable, Equatable {
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

    /// Parses `text`; only `sslmode=disable` (or no `sslmode`) is supported, so connections are
    /// plain TCP. Throws `VALIDATION_ERROR` for anything else.
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
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", "disable"): continue
            case ("sslmode", _):
                throw .validation("Only sslmode=disable is supported; put TLS in front of PostgreSQL if you need it.")
            default:
                throw .validation("Unknown PostgreSQL URL parameter '\(item.name)'; only sslmode=disable is accepted.")
            }
        }
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        guard !path.contains("/") else { throw .validation("The PostgreSQL URL names one database: .../db.") }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        self.username = user
        self.password = components.password
        self.database = path.isEmpty ? user : path
    }

    /// The URL without its password, safe to log or print.
    public var redacted: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }
}
