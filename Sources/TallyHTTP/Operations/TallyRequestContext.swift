import Hummingbird
import TallyCore

/// The per-request context: Hummingbird's core storage plus the request id and the
/// authenticated key.
public struct TallyRequestContext: RequestContext {
    /// Hummingbird's storage (logger, parameters, endpoint path).
    public var coreContext: CoreRequestContextStorage
    /// The key that authenticated this request, set by `AuthenticationMiddleware`.
    public var apiKey: APIKey?
    /// The request's id (`X-Request-Id`), set by `RequestLogMiddleware` before anything else runs.
    public var requestID: String
    /// What the inner middleware learn for the request's log line; shared by every copy of this
    /// context, so the outermost middleware reads what the inner ones wrote.
    let logRecord: RequestLogRecord

    /// The request's id. (Hummingbird's own reads its `hb.request.id` log metadata, which
    /// `RequestLogMiddleware` replaces with `requestId`.)
    public var id: String { requestID }

    /// A context with no key and no request id yet.
    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.apiKey = nil
        self.requestID = ""
        self.logRecord = RequestLogRecord()
    }

    /// Checks that the request's key may use `scope` on the realm named by the path parameter
    /// `realmId`, and returns that realm's id.
    ///
    /// Order: 401 without a key, 400 for a malformed realm id, 403 for another realm's key or a
    /// missing scope.
    public func authorize(_ scope: Scope, realmParameter: String = "realmId") throws(TallyError) -> RealmID {
        guard let key = apiKey else {
            throw TallyError(.unauthorized, "An API key is required: send Authorization: Bearer <key>.")
        }
        let text = parameters.get(realmParameter) ?? ""
        guard let realmID = RealmID(text) else {
            throw .validation("\(realmParameter) must be 24 hexadecimal digits.")
        }
        if let own = key.realmID, own != realmID {
            throw TallyError(.forbidden, "This API key belongs to another realm.")
        }
        guard key.permits(scope, on: realmID) else {
            throw TallyError(.forbidden, "This API key lacks the \(scope.rawValue) scope.")
        }
        return realmID
    }

    /// Checks that the request's key holds `scope` (an admin key holds every scope), and returns
    /// the key: for operations that act in the key's own realm rather than one named by the path.
    func authorizeKey(_ scope: Scope) throws(TallyError) -> APIKey {
        guard let key = apiKey else {
            throw TallyError(.unauthorized, "An API key is required: send Authorization: Bearer <key>.")
        }
        guard key.isAdmin || key.scopes.contains(scope) else {
            throw TallyError(.forbidden, "This API key lacks the \(scope.rawValue) scope.")
        }
        return key
    }

    /// Checks that the request's key is an admin key, and returns it.
    func authorizeAdmin() throws(TallyError) -> APIKey {
        guard let key = apiKey else {
            throw TallyError(.unauthorized, "An API key is required: send Authorization: Bearer <key>.")
        }
        guard key.isAdmin else { throw TallyError(.forbidden, "Only an admin key may do this.") }
        return key
    }
}
