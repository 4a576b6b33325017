import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TallyCore
import TallyHTTP
import TallyTestSupport
import Testing

/// Per-realm rate limits with DRIP's headers, driven by an injected clock.
@Suite(.serviceScope) struct RateLimitTests {
    /// A clock on a minute boundary.
    static func manualClock() -> TallyClock.Manual {
        TallyClock.Manual(TallyClock.Instant(millisecondsSince1970: 1_800_000_000_000))
    }

    @Test(arguments: Backend.all) func theLimitIsPerRealmWithHeadersAnd429(_ backend: Backend) async throws {
        let time = Self.manualClock()
        let h = try await HTTPHarness.make(backend, clock: time.clock)
        defer { h.cleanUp() }
        let app = h.application(ServerConfiguration(rateLimitPerMinute: 3))
        try await app.test(.router) { client in
            let path = "/api/v1/realms/\(h.realm.id)"
            for remaining in [2, 1, 0] {
                let response = try await client.send(.get, path, key: h.key)
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-RateLimit-Limit")!] == "3")
                #expect(response.headers[HTTPField.Name("X-RateLimit-Remaining")!] == String(remaining))
                #expect(response.headers[HTTPField.Name("X-RateLimit-Window")!] == "60")
                #expect(response.headers[HTTPField.Name("X-RateLimit-Reset")!] == "1800000060")
            }
            time.advance(by: .seconds(20))
            let refused = try await client.send(.get, path, key: h.key)
            let body = try expectFailure(refused, .tooManyRequests, "Rate limit exceeded")
            #expect(refused.headers[.retryAfter] == "40")
            #expect(try object(refused)["retryAfter"] as? Int == 40)
            #expect(body.message.contains("40 seconds"))
            // Errors carry the headers too, and another realm has its own budget.
            let other = try await client.send(.get, "/api/v1/realms/\(h.otherRealm.id)", key: h.otherRealmKey)
            #expect(other.status == .ok)
            #expect(other.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "2")
            // Unauthenticated requests do not spend the realm's budget.
            for _ in 0..<5 { _ = try await client.send(.get, "/api/v1/realms/\(h.otherRealm.id)", key: nil) }
            #expect(
                try await client.send(.get, "/api/v1/realms/\(h.otherRealm.id)", key: h.otherRealmKey).status == .ok)
            // The previous window still weighs in: 10 s into the next one, 3 * (1 - 10/60) = 2.5 and
            // one more request would make 3.5; 20 s in, 3 * (1 - 20/60) = 2, so exactly one fits.
            time.advance(by: .seconds(50))
            #expect(try await client.send(.get, path, key: h.key).status == .tooManyRequests)
            time.advance(by: .seconds(10))
            #expect(try await client.send(.get, path, key: h.key).status == .ok)
            #expect(try await client.send(.get, path, key: h.key).status == .tooManyRequests)
            time.advance(by: .seconds(60))
            #expect(try await client.send(.get, path, key: h.key).status == .ok)
        }
    }

    /// A key of realm A is refused on realm B (403) and must not spend realm B's budget: only
    /// requests that passed authorization for a realm count against it.
    @Test(arguments: Backend.all) func anotherRealmsKeyDoesNotSpendTheRealmsBudget(_ backend: Backend) async throws {
        let time = Self.manualClock()
        let h = try await HTTPHarness.make(backend, clock: time.clock)
        defer { h.cleanUp() }
        let app = h.application(ServerConfiguration(rateLimitPerMinute: 3))
        try await app.test(.router) { client in
            let victim = "/api/v1/realms/\(h.otherRealm.id)"
            for _ in 0..<5 {
                let response = try await client.send(.get, victim, key: h.key)
                #expect(response.status == .forbidden)
            }
            for remaining in [2, 1, 0] {
                let own = try await client.send(.get, victim, key: h.otherRealmKey)
                #expect(own.status == .ok)
                #expect(own.headers[HTTPField.Name("X-RateLimit-Remaining")!] == String(remaining))
            }
            #expect(try await client.send(.get, victim, key: h.otherRealmKey).status == .tooManyRequests)
        }
    }

    /// The table of tracked realms is a real bound: past it, a realm that is not tracked yet is
    /// refused rather than growing the table, and realms already tracked keep their counts.
    @Test func theTableOfTrackedRealmsIsBounded() throws {
        let time = Self.manualClock()
        let limiter = RateLimiter(limit: 5, realmsTrackedMax: 3, clock: time.clock)
        let ids = IDGenerator(clock: time.clock)
        let realms: [RealmID] = (0..<4).map { _ in ids.make() }
        for realm in realms.prefix(3) { #expect(limiter.hit(realm).allowed) }
        #expect(limiter.trackedRealmCount == 3)
        #expect(!limiter.hit(realms[3]).allowed, "a fourth realm does not fit while three are active")
        #expect(limiter.trackedRealmCount == 3)
        #expect(limiter.hit(realms[0]).remaining == 3, "tracked realms keep counting")
        // Two windows later the old entries are stale and make room.
        time.advance(by: .seconds(120))
        #expect(limiter.hit(realms[3]).allowed)
        #expect(limiter.trackedRealmCount <= 3)
    }

    @Test(arguments: Backend.all) func offByDefault(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            for _ in 0..<50 {
                let response = try await client.send(.get, "/api/v1/realms/\(h.realm.id)", key: h.key)
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-RateLimit-Limit")!] == nil)
            }
        }
    }
}
