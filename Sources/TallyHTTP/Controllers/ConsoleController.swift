import Foundation
import HTTPTypes
import Hummingbird
import TallyConsole
import TallyCore

/// The web console under `/console` (docs/CONSOLE.md): pages rendered by `TallyConsole` from the
/// store, behind a sign-in with a realm's API key. The key is posted once; the browser then holds
/// only a session cookie (`HttpOnly`, `SameSite=Strict`, `Secure` behind TLS), and every page
/// checks the session's key again as the API does (realm, `members:read`, not revoked).
struct ConsoleController: Sendable {
    let store: any LedgerStore
    let sessions: ConsoleSessions
    let clock: TallyClock

    static let cookieName = "tally_console"
    /// The largest sign-in or sign-out form read.
    static let formBytesMax = 4_096
    /// The longest search term.
    static let searchLengthMax = 200

    /// Nothing from another host, no script, no frames; forms only to this console.
    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!:
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        HTTPField.Name("X-Frame-Options")!: "DENY",
    ]

    /// Every route `addRoutes` adds, for the test that the router serves exactly the operations
    /// table and these.
    static let routes: [(method: HTTPRequest.Method, path: String)] = [
        (.get, "/console"), (.get, "/console/style.css"), (.post, "/console/sign-in"), (.post, "/console/sign-out"),
        (.get, "/console/overview"), (.get, "/console/leaderboard"), (.get, "/console/members"),
        (.get, "/console/members/:dripId"),
        (.get, "/console/currencies"), (.get, "/console/keys"), (.get, "/leaderboard/:realmId"),
    ]

    func addRoutes(to router: Router<TallyRequestContext>) {
        router.get("/console") { request, context in try await self.home(request, context) }
        router.get("/console/style.css") { _, _ in self.stylesheet() }
        router.post("/console/sign-in") { request, context in try await self.signIn(request, context) }
        router.post("/console/sign-out") { request, context in try await self.signOut(request, context) }
        router.get("/console/overview") { request, context in
            try await self.page(request, context) { signedIn in try await self.overview(signedIn) }
        }
        router.get("/console/leaderboard") { request, context in
            try await self.page(request, context) { signedIn in try await self.leaderboard(request, signedIn) }
        }
        router.get("/console/members") { request, context in
            try await self.page(request, context) { signedIn in try await self.members(request, signedIn) }
        }
        router.get("/console/members/:dripId") { request, context in
            try await self.page(request, context) { signedIn in try await self.member(request, context, signedIn) }
        }
        router.get("/console/currencies") { request, context in
            try await self.page(request, context) { signedIn in
                ConsolePages.currencies(try await store.currencies(in: signedIn.realmID), signedIn: signedIn)
            }
        }
        router.get("/console/keys") { request, context in
            try await self.page(request, context) { signedIn in
                ConsolePages.keys(try await store.keys(in: signedIn.realmID), signedIn: signedIn)
            }
        }
        router.get("/leaderboard/:realmId") { request, context in try await self.publicLeaderboard(request, context) }
    }

    // MARK: Signing in and out

    func home(_ request: Request, _ context: TallyRequestContext) async throws -> Response {
        if try await signedIn(request) != nil { return Self.redirect(to: "/console/overview") }
        return Self.html(ConsolePages.signIn(problem: nil))
    }

    func signIn(_ request: Request, _ context: TallyRequestContext) async throws -> Response {
        let form = try await Self.form(request)
        let presented = form["key"] ?? ""
        let key: APIKey
        do {
            key = try await AuthenticationMiddleware.key(presented: presented, store: store, record: context.logRecord)
        } catch let error as TallyError where error.code == .unauthorized {
            return Self.html(ConsolePages.signIn(problem: "That key is not valid."), status: .unauthorized)
        }
        guard let realm = key.realmID else {
            return Self.html(
                ConsolePages.signIn(problem: "Sign in with a key of one realm, not an admin key."), status: .forbidden)
        }
        guard key.permits(.membersRead, on: realm) else {
            return Self.html(
                ConsolePages.signIn(problem: "That key lacks the members:read scope."), status: .forbidden)
        }
        let opened = sessions.open(key: key.id, realm: realm, now: clock.now.millisecondsSince1970)
        var response = Self.redirect(to: "/console/overview")
        let secure = request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased() == "https"
        response.headers[.setCookie] =
            "\(Self.cookieName)=\(opened.id); Path=/console; HttpOnly; SameSite=Strict\(secure ? "; Secure" : "")"
        return response
    }

    func signOut(_ request: Request, _ context: TallyRequestContext) async throws -> Response {
        let form = try await Self.form(request)
        guard let id = Self.sessionID(request) else { return Self.redirect(to: "/console") }
        guard let session = sessions.session(id, now: clock.now.millisecondsSince1970) else {
            return Self.redirect(to: "/console")
        }
        guard let token = form["csrf"], Self.constantTimeEqual(token, session.csrfToken) else {
            return Self.html(
                ConsolePages.problem(title: "Not signed out", "The form was not this console's.", signedIn: nil),
                status: .forbidden)
        }
        sessions.close(id)
        var response = Self.redirect(to: "/console")
        response.headers[.setCookie] = "\(Self.cookieName)=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0"
        return response
    }

    /// Who the request's session is, checked as the API checks a key; nil when not signed in or
    /// the key can no longer read the realm.
    func signedIn(_ request: Request) async throws -> ConsolePages.SignedIn? {
        guard let id = Self.sessionID(request),
            let session = sessions.session(id, now: clock.now.millisecondsSince1970)
        else { return nil }
        guard let key = try await store.key(session.keyID), !key.isRevoked,
            key.permits(.membersRead, on: session.realmID)
        else {
            sessions.close(id)
            return nil
        }
        let realm = try await store.realm(session.realmID)
        return ConsolePages.SignedIn(realmID: realm.id, realmName: realm.name, csrfToken: session.csrfToken)
    }

    /// A page for a signed-in browser, or the sign-in page's address; a bad parameter or a
    /// missing record answers a page that says so, with its status.
    func page(
        _ request: Request, _ context: TallyRequestContext,
        _ render: (ConsolePages.SignedIn) async throws -> Markup
    ) async throws -> Response {
        guard let signedIn = try await signedIn(request) else { return Self.redirect(to: "/console") }
        do {
            return Self.html(try await render(signedIn))
        } catch let error as TallyError where error.code != .unavailable {
            let status = error.status
            return Self.html(
                ConsolePages.problem(title: "Not shown", error.message, signedIn: signedIn), status: status)
        }
    }

    // MARK: Pages

    func overview(_ signedIn: ConsolePages.SignedIn) async throws -> Markup {
        let now = clock.now.millisecondsSince1970
        let hours = ConsolePages.chartHours
        let since = ActivityHour.start(of: now) - Int64(hours - 1) * ActivityHour.length
        let overview = try await store.overview(of: signedIn.realmID, since: since)
        let currencies = try await store.currencies(in: signedIn.realmID)
        return ConsolePages.overview(overview, currencies: currencies, now: now, signedIn: signedIn)
    }

    func leaderboard(_ request: Request, _ signedIn: ConsolePages.SignedIn) async throws -> Markup {
        let shown = try await leaderboardPage(request, realm: signedIn.realmID)
        return ConsolePages.leaderboard(
            shown.page, currency: shown.currency, currencies: shown.currencies, next: shown.next, signedIn: signedIn)
    }

    /// The page of the leaderboard that the request's `currency` and `after` ask for (the
    /// default currency's first page without them), the realm's currencies, and the cursor of
    /// the next page.
    func leaderboardPage(_ request: Request, realm: RealmID) async throws -> (
        page: LeaderboardPage, currency: Currency?, currencies: [Currency], next: String?
    ) {
        let query = QueryReader(request)
        let currencies = try await store.currencies(in: realm)
        var currency = currencies.first { $0.isDefault } ?? currencies.first
        if let text = try query.string("currency", maxLength: 24), !text.isEmpty {
            if let id = try IDField.currency(text, field: "currency") {
                currency = try await store.currency(id, in: realm)
            }
        }
        var after: LeaderboardCursor?
        if let text = try query.string("after", maxLength: 64), !text.isEmpty {
            guard let cursor = LeaderboardCursor(text: text) else {
                throw TallyError.validation("after must be a cursor from the previous page.")
            }
            after = cursor
        }
        let page = try await store.leaderboard(
            in: realm, currency: currency?.id, after: after, take: ConsolePages.pageSize)
        let next =
            page.hasNextPage
            ? page.entries.last.map { LeaderboardCursor(balance: $0.balance, memberID: $0.member.id).text } : nil
        return (page, currency, currencies, next)
    }

    func members(_ request: Request, _ signedIn: ConsolePages.SignedIn) async throws -> Markup {
        let query = QueryReader(request)
        let kindText = try query.string("kind", maxLength: 16) ?? SearchKind.username.rawValue
        guard let kind = SearchKind(rawValue: kindText) else {
            throw TallyError.validation(
                "kind must be one of \(SearchKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        let term = (try query.string("q", maxLength: Self.searchLengthMax) ?? "").trimmingCharacters(in: .whitespaces)
        guard !term.isEmpty else { return ConsolePages.members(kind: kind, query: "", found: nil, signedIn: signedIn) }
        let found: [MemberDetails]
        if kind == .dripId {
            guard let id = MemberID(term) else { throw TallyError.validation("A member id is 24 hexadecimal digits.") }
            found = [try await store.memberDetails(id, in: signedIn.realmID)]
        } else {
            found = try await store.searchMembers(
                in: signedIn.realmID, kind: kind, values: [term],
                page: try PageRequest(page: 1, limit: ConsolePages.pageSize)
            ).items
        }
        return ConsolePages.members(kind: kind, query: term, found: found, signedIn: signedIn)
    }

    func member(_ request: Request, _ context: TallyRequestContext, _ signedIn: ConsolePages.SignedIn) async throws
        -> Markup
    {
        let id = try IDField.member(context.parameters.get("dripId") ?? "", field: "dripId")
        var before: Int64?
        if let cursor = try QueryReader(request).string("before", maxLength: 32), !cursor.isEmpty {
            guard let value = Int64(cursor), value > 0 else {
                throw TallyError.validation("before must be a cursor from the previous page.")
            }
            before = value
        }
        let details = try await store.memberDetails(id, in: signedIn.realmID)
        let journal = try await store.journal(
            of: id, in: signedIn.realmID, before: before, limit: ConsolePages.pageSize)
        let currencies = try await store.currencies(in: signedIn.realmID)
        return ConsolePages.member(
            details, journal: journal, currencies: Dictionary(uniqueKeysWithValues: currencies.map { ($0.id, $0) }),
            signedIn: signedIn)
    }

    func stylesheet() -> Response {
        var headers = Self.securityHeaders
        headers[.contentType] = "text/css; charset=utf-8"
        headers[.cacheControl] = "public, max-age=300"
        return Response(
            status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: ConsolePages.stylesheet)))
    }

    // MARK: HTTP pieces

    static func html(_ markup: Markup, status: HTTPResponse.Status = .ok) -> Response {
        var headers = securityHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: markup.html)))
    }

    static func redirect(to path: String) -> Response {
        var headers = securityHeaders
        headers[.location] = path
        headers[.cacheControl] = "no-store"
        return Response(status: .seeOther, headers: headers)
    }

    /// The session cookie's value, if the request has one.
    static func sessionID(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == cookieName {
                    let value = parts[1].trimmingCharacters(in: .whitespaces)
                    return value.isEmpty ? nil : value
                }
            }
        }
        return nil
    }

    /// An `application/x-www-form-urlencoded` body, at most `formBytesMax` bytes.
    static func form(_ request: Request) async throws -> [String: String] {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: formBytesMax)
        } catch {
            throw TallyError(.payloadTooLarge, "The form is larger than \(formBytesMax) bytes.")
        }
        var fields = [String: String]()
        for pair in String(buffer: body).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            guard let name = parts.first else { continue }
            fields[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
