import Foundation
import HummingbirdTesting
import TallyCore
import TallyTestSupport
import Testing

/// Members: list, search, leaderboard, metadata, create, get, journal.
@Suite(.serviceScope) struct MemberRoutesTests {
    @Test(arguments: Backend.all) func listingPagesSortsAndSearches(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let base = "/api/v1/realms/\(h.realm.id)/members/"
        try await h.test { client in
            let first = try object(try await client.send(.get, base + "?page=1&limit=2", key: h.key))
            let meta = try #require(first["meta"] as? [String: Int])
            #expect(meta == ["total": 3, "page": 1, "limit": 2, "totalPages": 2])
            #expect((first["data"] as? [[String: Any]])?.map { $0["username"] as? String } == ["alice", "bob"])
            let last = try object(try await client.send(.get, base + "?page=2&limit=2", key: h.key))
            #expect((last["data"] as? [[String: Any]])?.count == 1)
            let beyond = try object(try await client.send(.get, base + "?page=9&limit=2", key: h.key))
            #expect((beyond["data"] as? [Any])?.isEmpty == true)
            let sorted = try object(try await client.send(.get, base + "?sortBy=username&sortOrder=desc", key: h.key))
            #expect(
                (sorted["data"] as? [[String: Any]])?.map { $0["username"] as? String } == ["carol", "bob", "alice"])
            let searched = try object(try await client.send(.get, base + "?search=AR", key: h.key))
            #expect((searched["data"] as? [[String: Any]])?.map { $0["username"] as? String } == ["carol"])
            let wildcard = try object(try await client.send(.get, base + "?search=%25", key: h.key))
            #expect((wildcard["data"] as? [Any])?.isEmpty == true, "LIKE wildcards are matched literally")
            for bad in ["page=0", "page=x", "limit=0", "limit=101", "sortBy=balance", "sortOrder=up"] {
                try expectFailure(
                    try await client.send(.get, base + "?" + bad, key: h.key), .badRequest, "VALIDATION_ERROR")
            }
        }
    }

    @Test(arguments: Backend.all) func searchMatchesExactCredentialsWithinTheRealm(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let dee = try await h.store.createMember(
            Credentials(username: "dee", discordId: "42", wallet: "0xabc"), in: h.realm.id)
        _ = try await h.store.createMember(Credentials(discordId: "42"), in: h.otherRealm.id)
        let base = "/api/v1/realms/\(h.realm.id)/members/search"
        try await h.test { client in
            for query in [
                "type=discord-id&values=42", "type=discord&value=42", "type=wallet&values=0xabc,0xdef",
                "type=drip-id&values=\(dee.id.rawValue.uppercased())",
            ] {
                let found = try object(try await client.send(.get, base + "?" + query, key: h.key))
                #expect(
                    (found["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [dee.id.rawValue], "\(query)")
            }
            let many = try object(
                try await client.send(.get, base + "?type=username&values=alice,bob,nobody", key: h.key))
            #expect((many["meta"] as? [String: Any])?["total"] as? Int == 2)
            let fifty = (0..<50).map { "u\($0)" }.joined(separator: ",")
            #expect(try await client.send(.get, base + "?type=username&values=\(fifty)", key: h.key).status == .ok)
            for bad in ["type=username", "values=a", "type=phone&values=1", "type=username&values=\(fifty),u50"] {
                try expectFailure(
                    try await client.send(.get, base + "?" + bad, key: h.key), .badRequest, "VALIDATION_ERROR")
            }
        }
    }

    @Test(arguments: Backend.all) func theLeaderboardRanksWithTiesAndPagesByCursor(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        var members = h.members
        for index in 0..<3 {
            members.append(try await h.store.createMember(Credentials(username: "extra\(index)"), in: h.realm.id))
        }
        // Balances 50, 30, 30, 30, 10 and one member who never received points.
        let amounts: [Int64] = [50, 30, 30, 30, 10]
        _ = try await h.store.apply(
            try Batch(realmID: h.realm.id, changes: zip(members, amounts).map { Change(memberID: $0.id, amount: $1) }))
        let base = "/api/v1/realms/\(h.realm.id)/members/leaderboard"
        try await h.test { client in
            var ranks = [Int]()
            var balances = [Int]()
            var after: String?
            var pages = 0
            repeat {
                let page = try object(
                    try await client.send(.get, base + "?take=2" + (after.map { "&after=\($0)" } ?? ""), key: h.key))
                let data = try #require(page["data"] as? [[String: Any]])
                ranks += data.compactMap { $0["rank"] as? Int }
                balances += data.compactMap { $0["balance"] as? Int }
                let meta = try #require(page["meta"] as? [String: Any])
                #expect(meta["totalCount"] as? Int == 5)
                #expect(meta["hasPreviousPage"] as? Bool == (after != nil))
                after = (meta["hasNextPage"] as? Bool == true) ? meta["endCursor"] as? String : nil
                pages += 1
            } while after != nil && pages < 10
            #expect(balances == [50, 30, 30, 30, 10])
            #expect(ranks == [1, 2, 2, 2, 5])
            #expect(pages == 3)
            let other = try object(try await client.send(.get, base + "?currencyId=\(h.capped.id)", key: h.key))
            #expect((other["data"] as? [Any])?.isEmpty == true)
            try expectFailure(
                try await client.send(.get, base + "?currencyId=0123456789abcdef01234567", key: h.key), .badRequest,
                "CURRENCY_NOT_FOUND")
            for bad in ["take=0", "take=101", "after=garbage", "currencyId=xyz"] {
                try expectFailure(
                    try await client.send(.get, base + "?" + bad, key: h.key), .badRequest, "VALIDATION_ERROR")
            }
        }
    }

    @Test(arguments: Backend.all) func createGetMetadataAndJournal(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend, limits: .standard)
        defer { h.cleanUp() }
        let base = "/api/v1/realms/\(h.realm.id)/members"
        try await h.test { client in
            let created = try await client.send(
                .post, base, key: h.key,
                json:
                    #"{"username":"erin","discordId":"777","wallet":"0x1","email":"e@example.com","metadata":{"level":3}}"#
            )
            #expect(created.status == .created)
            let member = try object(created)
            let id = try #require(member["id"] as? String)
            #expect(
                (member["credentials"] as? [[String: Any]])?.map { $0["format"] as? String } == [
                    "discord", "blockchain", "email",
                ])
            #expect((member["metadata"] as? [String: Int]) == ["level": 3])
            let clash = try await client.send(.post, base, key: h.key, json: #"{"discordId":"777"}"#)
            try expectFailure(clash, .conflict, "CONFLICT")
            try expectFailure(
                try await client.send(.post, base, key: h.key, json: #"{"metadata":[1]}"#), .badRequest,
                "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(.post, base, key: h.key, json: #"{"email":"a\u0000b"}"#), .badRequest,
                "VALIDATION_ERROR")

            let metadata = try await client.send(
                .patch, "\(base)/\(id)/metadata", key: h.key, json: #"{"metadata":{"vip":true}}"#)
            #expect(metadata.status == .noContent)
            try expectFailure(
                try await client.send(
                    .patch, "\(base)/0123456789abcdef01234567/metadata", key: h.key, json: #"{"metadata":{}}"#),
                .notFound, "MEMBER_NOT_FOUND")
            try expectFailure(
                try await client.send(.patch, "\(base)/\(id)/metadata", key: h.key, json: #"{"metadata":"x"}"#),
                .badRequest, "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(.patch, "\(base)/\(id)/metadata", key: h.key, json: #"{}"#), .badRequest,
                "VALIDATION_ERROR")
            let big = String(repeating: "x", count: 20_000)
            try expectFailure(
                try await client.send(
                    .patch, "\(base)/\(id)/metadata", key: h.key, json: #"{"metadata":{"a":"\#(big)"}}"#),
                .badRequest, "VALIDATION_ERROR")

            for amount in [5, 6, 7] {
                _ = try await client.send(.patch, "\(base)/\(id)/balance", key: h.key, json: #"{"amount":\#(amount)}"#)
            }
            let fetched = try object(try await client.send(.get, "\(base)/\(id)", key: h.key))
            #expect((fetched["metadata"] as? [String: Bool]) == ["vip": true])
            #expect((fetched["balances"] as? [[String: Any]])?.first?["balance"] as? Int == 18)
            try expectFailure(
                try await client.send(.get, "\(base)/0123456789abcdef01234567", key: h.key), .notFound,
                "MEMBER_NOT_FOUND")

            let page1 = try object(try await client.send(.get, "\(base)/\(id)/transactions?limit=2", key: h.key))
            #expect((page1["data"] as? [[String: Any]])?.map { $0["amount"] as? Int } == [7, 6])
            let meta = try #require(page1["meta"] as? [String: Any])
            #expect(meta["hasNextPage"] as? Bool == true)
            let cursor = try #require(meta["nextCursor"] as? String)
            let page2 = try object(
                try await client.send(.get, "\(base)/\(id)/transactions?limit=2&cursor=\(cursor)", key: h.key))
            #expect((page2["data"] as? [[String: Any]])?.map { $0["amount"] as? Int } == [5])
            #expect((page2["meta"] as? [String: Any])?["hasNextPage"] as? Bool == false)
            let entry = try #require((page2["data"] as? [[String: Any]])?.first)
            #expect(
                entry["balanceBefore"] as? Int == 0 && entry["balanceAfter"] as? Int == 5
                    && entry["kind"] as? String == "single")
            try expectFailure(
                try await client.send(.get, "\(base)/\(id)/transactions?cursor=abc", key: h.key), .badRequest,
                "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(.get, "\(base)/0123456789abcdef01234567/transactions", key: h.key), .notFound,
                "MEMBER_NOT_FOUND")
        }
    }

    @Test(arguments: Backend.all) func accountsFindStaysInsideTheKeysRealm(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let mine = try await h.store.createMember(Credentials(discordId: "555"), in: h.realm.id)
        let theirs = try await h.store.createMember(Credentials(discordId: "999"), in: h.otherRealm.id)
        try await h.test { client in
            let found = try object(
                try await client.send(.get, "/api/v1/accounts/find?type=discord-id&values=555", key: h.key))
            #expect(found["data"] as? String == mine.id.rawValue)
            let hidden = try await client.send(.get, "/api/v1/accounts/find?type=discord-id&values=999", key: h.key)
            #expect(String(buffer: hidden.body) == #"{"data":null}"#)
            let admin = try object(
                try await client.send(.get, "/api/v1/accounts/find?type=discord-id&values=999", key: h.adminKey))
            #expect(admin["data"] as? String == theirs.id.rawValue)
            for bad in ["type=drip-id&values=x", "values=1", "type=discord-id"] {
                try expectFailure(
                    try await client.send(.get, "/api/v1/accounts/find?" + bad, key: h.key), .badRequest,
                    "VALIDATION_ERROR")
            }
            try expectFailure(
                try await client.send(.get, "/api/v1/accounts/find?type=email&values=x", key: nil), .unauthorized,
                "Unauthorized")
        }
    }
}
