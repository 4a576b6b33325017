import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TallyConsole
import TallyCore
import TallyTestSupport
import Testing

/// The web console (docs/CONSOLE.md) through the real router: signing in with a realm's key, the
/// pages against what the API answers, signing out, every refusal, and escaping.
@Suite(.serviceScope) struct ConsoleTests {
    static let cookieHeader = HTTPField.Name("Cookie")!
    static let csp = HTTPField.Name("Content-Security-Policy")!

    /// Posts the sign-in form with `key`; returns the response.
    static func signIn(_ client: any TestClientProtocol, key: String, headers extra: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        let encoded = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key
        return try await client.executeRequest(
            uri: "/console/sign-in", method: .post, headers: headers, body: ByteBuffer(string: "key=\(encoded)"))
    }

    /// The session cookie a sign-in set (`name=value`).
    static func cookie(_ response: TestResponse) throws -> String {
        let header = try #require(response.headers[.setCookie])
        return String(try #require(header.split(separator: ";").first))
    }

    static func get(_ client: any TestClientProtocol, _ path: String, cookie: String?) async throws -> TestResponse {
        var headers = HTTPFields()
        if let cookie { headers[cookieHeader] = cookie }
        return try await client.executeRequest(uri: path, method: .get, headers: headers, body: nil)
    }

    static func text(_ response: TestResponse) -> String { String(buffer: response.body) }

    /// The usernames a console table links to, in order.
    static func linkedNames(_ html: String) -> [String] {
        html.split(separator: "<a href=\"/console/members/").dropFirst().compactMap { piece in
            guard let start = piece.firstIndex(of: ">"), let end = piece.range(of: "</a>") else { return nil }
            return String(piece[piece.index(after: start)..<end.lowerBound])
        }
    }

    @Test(arguments: Backend.all) func aRealmKeySignsInSeesItsRealmAsTheAPIDoesAndSignsOut(_ backend: Backend)
        async throws
    {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            // Balances: alice 30, bob 20, carol 10, each in two batches.
            for (member, amount) in zip(h.members, [30, 20, 10]) {
                for part in [amount - 5, 5] {
                    let response = try await client.send(
                        .patch, h.batchPath, key: h.key,
                        json: #"{"updates":[{"dripId":"\#(member.id)","amount":\#(part)}]}"#)
                    #expect(response.status == .ok)
                }
            }
            let home = try await Self.get(client, "/console", cookie: nil)
            #expect(home.status == .ok && Self.text(home).contains("name=\"key\""))
            #expect(home.headers[Self.csp]?.contains("default-src 'none'") == true)
            let away = try await Self.get(client, "/console/leaderboard", cookie: nil)
            #expect(away.status == .seeOther && away.headers[.location] == "/console", "not signed in")

            let signedIn = try await Self.signIn(client, key: h.readOnlyKey)
            #expect(signedIn.status == .seeOther && signedIn.headers[.location] == "/console/overview")
            let setCookie = try #require(signedIn.headers[.setCookie])
            #expect(
                setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict")
                    && setCookie.contains("Path=/console"))
            #expect(!setCookie.contains("Secure"), "plain HTTP: no Secure flag")
            #expect(!setCookie.contains(h.readOnlyKey) && !Self.text(signedIn).contains(h.readOnlyKey))
            let behindTLS = try await Self.signIn(
                client, key: h.readOnlyKey, headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(behindTLS.headers[.setCookie]?.contains("; Secure") == true, "behind TLS the cookie is Secure")
            let cookie = try Self.cookie(signedIn)

            // The leaderboard, as the API ranks it.
            let board = try await Self.get(client, "/console/leaderboard", cookie: cookie)
            #expect(board.status == .ok)
            #expect(board.headers[.cacheControl] == "no-store")
            let api = try object(
                try await client.send(.get, "/api/v1/realms/\(h.realm.id)/members/leaderboard", key: h.key))
            let apiNames = (api["data"] as? [[String: Any]] ?? []).compactMap { $0["username"] as? String }
            #expect(apiNames == ["alice", "bob", "carol"])
            #expect(Self.linkedNames(Self.text(board)) == apiNames, "\(Self.text(board))")
            #expect(!Self.text(board).contains(h.readOnlyKey), "never the key in the page")

            // Search, and the member's journal as the API lists it.
            let search = try await Self.get(client, "/console/members?kind=username&q=bob", cookie: cookie)
            #expect(Self.linkedNames(Self.text(search)) == ["bob"])
            let bob = h.members[1]
            let page = Self.text(try await Self.get(client, "/console/members/\(bob.id)", cookie: cookie))
            let journal = try object(
                try await client.send(.get, "/api/v1/realms/\(h.realm.id)/members/\(bob.id)/transactions", key: h.key))
            let entryIDs = (journal["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(entryIDs.count == 2)
            let shown = entryIDs.compactMap { page.range(of: $0)?.lowerBound }
            #expect(shown.count == 2 && shown == shown.sorted(), "the journal in the API's order, newest first")
            #expect(page.contains(">20<"), "bob's balance")
            for path in ["/console/currencies", "/console/keys"] {
                let response = try await Self.get(client, path, cookie: cookie)
                #expect(response.status == .ok, "\(path)")
            }
            #expect(Self.text(try await Self.get(client, "/console/keys", cookie: cookie)).contains("members:read"))

            // Sign-out needs the page's token; then the cookie opens nothing.
            let token = try #require(
                Self.text(board).components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.prefix(64))
            var headers: HTTPFields = [Self.cookieHeader: cookie, .contentType: "application/x-www-form-urlencoded"]
            let forged = try await client.executeRequest(
                uri: "/console/sign-out", method: .post, headers: headers, body: ByteBuffer(string: "csrf=forged"))
            #expect(forged.status == .forbidden)
            #expect(try await Self.get(client, "/console/leaderboard", cookie: cookie).status == .ok, "still signed in")
            headers[.contentType] = "application/x-www-form-urlencoded"
            let out = try await client.executeRequest(
                uri: "/console/sign-out", method: .post, headers: headers, body: ByteBuffer(string: "csrf=\(token)"))
            #expect(out.status == .seeOther && out.headers[.setCookie]?.contains("Max-Age=0") == true)
            for path in ["/console/leaderboard", "/console/members/\(bob.id)", "/console/keys"] {
                let refused = try await Self.get(client, path, cookie: cookie)
                #expect(
                    refused.status == .seeOther && refused.headers[.location] == "/console", "\(path) after sign-out")
            }
        }
    }

    @Test(arguments: Backend.all) func wrongKeysAreRefusedAndAKeySeesOnlyItsRealm(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let writeOnly = try await h.store.issueKey(
            realm: h.realm.id, name: "writer", scopes: [.pointsWrite], ids: IDGenerator())
        try await h.test { client in
            for (key, status, what) in [
                ("tally_nonsense", HTTPResponse.Status.unauthorized, "a wrong key"),
                (h.revokedKey, .unauthorized, "a revoked key"),
                (h.adminKey, .forbidden, "an admin key"),
                (writeOnly.secret.text, .forbidden, "a key without members:read"),
            ] {
                let response = try await Self.signIn(client, key: key)
                #expect(response.status == status, "\(what)")
                #expect(response.headers[.setCookie] == nil, "\(what): no session")
                #expect(!Self.text(response).contains(key), "\(what): the key is not echoed")
            }
            // Another realm's key signs into its own realm, and sees nothing of this one.
            let other = try Self.cookie(try await Self.signIn(client, key: h.otherRealmKey))
            let board = Self.text(try await Self.get(client, "/console/leaderboard", cookie: other))
            #expect(board.contains("Other guild") && !board.contains("alice"))
            let alice = try await Self.get(client, "/console/members/\(h.members[0].id)", cookie: other)
            #expect(alice.status == .notFound)
            let search = Self.text(try await Self.get(client, "/console/members?kind=username&q=alice", cookie: other))
            #expect(Self.linkedNames(search).isEmpty)

            // A key revoked after sign-in opens nothing more.
            let key = try await h.store.issueKey(realm: h.realm.id, name: "short", ids: IDGenerator())
            let cookie = try Self.cookie(try await Self.signIn(client, key: key.secret.text))
            #expect(try await Self.get(client, "/console/leaderboard", cookie: cookie).status == .ok)
            _ = try await h.store.revokeKey(key.key.id)
            let after = try await Self.get(client, "/console/leaderboard", cookie: cookie)
            #expect(after.status == .seeOther, "revoked: back to sign-in")
            // A made-up cookie opens nothing.
            let forged = try await Self.get(
                client, "/console/leaderboard", cookie: "tally_console=\(String(repeating: "a", count: 64))")
            #expect(forged.status == .seeOther)
        }
    }

    @Test(arguments: Backend.all) func whatUsersWroteShowsAsText(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let hostile = "<script>alert(\"x\")</script>&'"
        let member = try await h.store.createMember(Credentials(username: hostile), in: h.realm.id)
        try await h.store.setMemberMetadata(["note": "<img src=x onerror=alert(1)>"], of: member.id, in: h.realm.id)
        try await h.test { client in
            let patched = try await client.send(
                .patch, h.batchPath, key: h.key, json: #"{"updates":[{"dripId":"\#(member.id)","amount":7}]}"#)
            #expect(patched.status == .ok)
            let cookie = try Self.cookie(try await Self.signIn(client, key: h.key))
            for path in [
                "/console/leaderboard", "/console/members/\(member.id)",
                "/console/members?kind=username&q=%3Cscript%3E", "/console/members?kind=email&q=%22%3E%3Cb%3E",
            ] {
                let page = Self.text(try await Self.get(client, path, cookie: cookie))
                #expect(!page.contains("<script") && !page.contains("<img") && !page.contains("\"><b>"), "\(path)")
            }
            let shown = Self.text(try await Self.get(client, "/console/leaderboard", cookie: cookie))
            #expect(shown.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"))
        }
    }

    /// The overview: the member count, what moved in the last day and week per currency, and the
    /// chart's bars, one per hour with changes, on the clock given.
    @Test(arguments: Backend.all) func theOverviewShowsTheRealmsFiguresAndItsChart(_ backend: Backend) async throws {
        // 2027-01-15T08:00:00.123Z, then 3 hours, then 2 days later.
        let start = TallyClock.Instant(millisecondsSince1970: 1_800_000_000_123)
        let time = TallyClock.Manual(start)
        let h = try await HTTPHarness.make(backend, clock: time.clock)
        defer { h.cleanUp() }
        try await h.test { client in
            let (alice, bob) = (h.members[0].id, h.members[1].id)
            let first = #"{"updates":[{"dripId":"\#(alice)","amount":50},{"dripId":"\#(bob)","amount":20}]}"#
            #expect(try await client.send(.patch, h.batchPath, key: h.key, json: first).status == .ok)
            time.advance(by: .seconds(3 * 3_600))
            let second = #"{"updates":[{"dripId":"\#(alice)","amount":-15}]}"#
            #expect(try await client.send(.patch, h.batchPath, key: h.key, json: second).status == .ok)
            time.advance(by: .seconds(2 * 86_400))
            let cookie = try Self.cookie(try await Self.signIn(client, key: h.readOnlyKey))
            let response = try await Self.get(client, "/console/overview", cookie: cookie)
            #expect(response.status == .ok)
            let page = Self.text(response)
            #expect(page.contains("<strong>3</strong> members"), "the harness's three members")
            #expect(page.contains("<strong>2</strong> currencies"))
            #expect(page.components(separatedBy: "<rect ").count - 1 == 2, "one bar per hour with changes")
            #expect(page.contains("2 changes</title>") && page.contains("1 change</title>"))
            // Points: nothing in the last 24 hours; 3 changes, 70 added and 15 taken in the week.
            let points = try #require(page.components(separatedBy: "<tr><td>Points").dropFirst().first)
            let cells = points.components(separatedBy: "<td class=\"number\">").dropFirst().prefix(6).map {
                String($0.prefix { $0 != "<" })
            }
            #expect(cells == ["0", "0", "0", "3", "70", "15"], "\(cells)")
            time.advance(by: .seconds(8 * 86_400))
            let later = Self.text(try await Self.get(client, "/console/overview", cookie: cookie))
            #expect(!later.contains("<rect "), "nothing in the last 7 days")
        }
    }

    /// The public leaderboard: 404 until the realm switches it on (the same 404 as a realm that
    /// does not exist), then ranks, usernames and balances only, cacheable; 404 again once off.
    @Test(arguments: Backend.all) func thePublicLeaderboardIsNotFoundUntilSwitchedOnAndShowsOnlyItsFields(
        _ backend: Backend
    ) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let dana = try await h.store.createMember(
            Credentials(username: "dana", discordId: "100000000000000042", email: "dana@example.com"), in: h.realm.id)
        try await h.store.setMemberMetadata(["note": "private note"], of: dana.id, in: h.realm.id)
        let path = "/leaderboard/\(h.realm.id)"
        try await h.test { client in
            let updates = zip(h.members.map(\.id) + [dana.id], [30, 20, 10, 40]).map {
                #"{"dripId":"\#($0.0)","amount":\#($0.1)}"#
            }
            let json = #"{"updates":[\#(updates.joined(separator: ","))]}"#
            #expect(try await client.send(.patch, h.batchPath, key: h.key, json: json).status == .ok)
            let off = try await Self.get(client, path, cookie: nil)
            #expect(off.status == .notFound)
            let unknown = try await Self.get(client, "/leaderboard/0123456789abcdef01234567", cookie: nil)
            #expect(unknown.status == .notFound && Self.text(unknown) == Self.text(off), "the same 404 for either")
            #expect(try await Self.get(client, "/leaderboard/nonsense", cookie: nil).status == .notFound)

            let realm = try await h.store.setPublicLeaderboard(true, in: h.realm.id)
            #expect(realm.publicLeaderboard)
            let on = try await Self.get(client, path, cookie: nil)
            #expect(on.status == .ok)
            #expect(on.headers[.cacheControl] == "public, max-age=10")
            #expect(on.headers[Self.csp]?.contains("default-src 'none'") == true)
            #expect(on.headers[.setCookie] == nil)
            let page = Self.text(on)
            let shown = ["dana", "alice", "bob", "carol"].map { page.range(of: "<td>\($0)</td>")?.lowerBound }
            #expect(shown.allSatisfy { $0 != nil } && shown.compactMap { $0 } == shown.compactMap { $0 }.sorted())
            #expect(page.contains(">40<") && page.contains(">10<"), "balances")
            for hidden in [
                dana.id.rawValue, "100000000000000042", "dana@example.com", "private note", "/console/members",
                "csrf", h.members[0].id.rawValue,
            ] {
                #expect(!page.contains(hidden), "the public page leaves out \(hidden)")
            }
            let other = try await Self.get(client, "\(path)?currency=\(h.capped.id)", cookie: nil)
            #expect(other.status == .ok && Self.text(other).contains("Capped"))
            let bad = try await Self.get(client, "\(path)?after=nonsense", cookie: nil)
            #expect(bad.status == .badRequest)

            _ = try await h.store.setPublicLeaderboard(false, in: h.realm.id)
            #expect(try await Self.get(client, path, cookie: nil).status == .notFound, "switched off again")
        }
    }

    /// Sessions end after 30 minutes without a page and 12 hours after sign-in, on the clock given.
    @Test func sessionsExpire() {
        let sessions = ConsoleSessions()
        let key = KeyID(canonical: String(repeating: "1", count: 24))
        let realm = RealmID(canonical: String(repeating: "2", count: 24))
        let opened = sessions.open(key: key, realm: realm, now: 0)
        #expect(opened.id.count == 64 && opened.session.csrfToken.count == 64 && opened.id != opened.session.csrfToken)
        #expect(sessions.session(opened.id, now: ConsoleSessions.idleMax - 1) != nil)
        #expect(sessions.session(opened.id, now: 2 * ConsoleSessions.idleMax - 2) != nil, "a page keeps it alive")
        #expect(sessions.session(opened.id, now: 3 * ConsoleSessions.idleMax) == nil, "idle too long")
        var now: Int64 = 0
        let long = sessions.open(key: key, realm: realm, now: now)
        while now < ConsoleSessions.lifetimeMax - 60_000 {
            now += 60_000
            #expect(sessions.session(long.id, now: now) != nil)
        }
        #expect(sessions.session(long.id, now: ConsoleSessions.lifetimeMax) == nil, "past its lifetime")
        #expect(sessions.session("nothing", now: 0) == nil)
    }

    @Test func markupEscapesEveryInterpolatedText() {
        let text = "<a href='x'>&\"</a>"
        let markup: Markup = "<p>\(text)</p>"
        #expect(markup.html == "<p>&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;</p>")
        #expect(Markup.queryValue("a b&c=d/é") == "a%20b%26c%3Dd%2F%C3%A9")
    }
}
