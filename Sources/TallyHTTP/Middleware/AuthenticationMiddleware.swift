import Foundation
import HTTPTypes
import Hummingbird
import TallyCore

/// Turns an `Authorization: Bearer` header into a stored, valid key, or a 401.
///
/// The secret is never logged or stored: only its SHA-256 is compared, in constant time.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = TallyRequestContext
    let store: any LedgerStore

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.apiKey = try await authenticate(request.headers[.authorization], record: context.logRecord)
        return try await next(request, context)
    }

    /// The key the header presents, checked. The log line names the key (its id, never the
    /// secret) once the secret matches, so a revoked key still in use shows in the log.
    func authenticate(_ header: String?, record: RequestLogRecord) async throws -> APIKey {
        guard let header, !header.isEmpty else {
            throw TallyError(.unauthorized, "An API key is required: send Authorization: Bearer <key>.")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            KeySecret(presented: parts[1].trimmingCharacters(in: .whitespaces)) != nil
        else {
            throw TallyError(.unauthorized, "The Authorization header must be 'Bearer <key>' with a Tally API key.")
        }
        return try await Self.key(presented: String(parts[1]), store: store, record: record)
    }

    /// The stored, valid key whose secret is `text` (a header's or the console's sign-in form's),
    /// or a 401. The log line names the key once the secret matches.
    static func key(presented text: String, store: any LedgerStore, record: RequestLogRecord) async throws -> APIKey {
        guard let secret = KeySecret(presented: text.trimmingCharacters(in: .whitespaces)),
            let key = try await store.key(secret.keyID), secret.matches(key.secretHash)
        else {
            throw TallyError(.unauthorized, "Invalid API key provided.")
        }
        record.keyID = key.id.rawValue
        guard !key.isRevoked else { throw TallyError(.unauthorized, "This API key has been revoked.") }
        return key
    }
}
