import Foundation
import PostgresNIO
import TallyCore

/// What a URL's `sslmode` and `sslrootcert` mean to PostgresNIO, and why a connection failed, in
/// words an operator can act on.
struct PostgresTLS: Sendable {
    /// For the pool: PostgresNIO makes its context from this configuration.
    let client: PostgresClient.Configuration.TLS
    /// For a single connection (the probe at start), with the context made once, here.
    let connection: PostgresConnection.Configuration.TLS

    /// Builds the TLS settings `url` asks for. Throws `VALIDATION_ERROR` when `sslrootcert` holds
    /// no PEM certificate or the settings make no TLS context, so a bad file fails at start.
    init(_ url: PostgresURL) throws(TallyError) {
        guard url.sslMode != .disable else {
            client = .disable
            connection = .disable
            return
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch url.sslMode {
        case .disable, .require: configuration.certificateVerification = .none
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .verifyFull: configuration.certificateVerification = .fullVerification
        }
        if let path = url.sslRootCert {
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(path)
            } catch {
                throw .validation("sslrootcert \(path) holds no readable PEM certificate (\(error)).")
            }
            guard !certificates.isEmpty else {
                throw .validation("sslrootcert \(path) holds no PEM certificate.")
            }
            configuration.trustRoots = .file(path)
        } else {
            configuration.trustRoots = .default
        }
        do {
            connection = .require(try NIOSSLContext(configuration: configuration))
        } catch {
            throw .validation("Cannot set up TLS to PostgreSQL with \(url.tlsParameters): \(error).")
        }
        client = .require(configuration)
    }

    /// Why connecting to `url` failed, as a sentence without the password: the server's own
    /// message when it answered, or what the TLS handshake found.
    static func reason(_ error: any Error, url: PostgresURL) -> String {
        if let message = (error as? PSQLError)?.serverInfo?[.message] { return message }
        return tlsReason(error, url: url) ?? "the server did not answer"
    }

    /// What went wrong with TLS, when that is why `error` happened: the server takes no TLS, its
    /// certificate is not trusted or does not name the host, or the handshake failed otherwise.
    /// The sentence follows the URL (which shows `sslmode` and `sslrootcert`) in messages.
    static func tlsReason(_ error: any Error, url: PostgresURL) -> String? {
        if let psql = error as? PSQLError, psql.code == .sslUnsupported {
            return
                "the server does not accept TLS connections; turn ssl on in postgresql.conf, or use sslmode=disable on a private network"
        }
        let causes = Self.causes(of: error)
        if causes.contains(where: { ($0 as? NIOSSLExtraError) == .failedToValidateHostname }) {
            return
                "the server's certificate does not name \(url.host); connect with a host name the certificate gives, since sslmode=verify-full checks it"
        }
        if causes.contains(where: { String(describing: $0).contains("CERTIFICATE_VERIFY_FAILED") }) {
            let roots =
                url.sslRootCert.map { "the root certificates in \($0)" } ?? "a root certificate the system trusts"
            return "the server's certificate is not trusted: its chain does not lead to \(roots)"
        }
        if let failure = causes.first(where: { $0 is NIOSSLError || $0 is NIOSSLExtraError }) {
            return "the TLS handshake failed: \(failure)"
        }
        return nil
    }

    /// `error` and the errors under it (a PSQLError carries the socket's or the handshake's).
    private static func causes(of error: any Error) -> [any Error] {
        var all: [any Error] = [error]
        var current = error
        while let psql = current as? PSQLError, let underlying = psql.underlying {
            all.append(underlying)
            current = underlying
        }
        return all
    }
}
