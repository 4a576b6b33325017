import Foundation
import HTTPTypes
import HummingbirdTesting
import TallyCore
import TallyTestSupport
import Testing

/// Ghost credentials (reference 1.7 and 2.12): identities that hold points before a member owns
/// them, under both realm prefixes, on both stores.
@Suite(.serviceScope) struct CredentialRoutesTests {
    func base(_ h: HTTPHarness, singular: Bool = false) -> String {
        "/api/v1/\(singular ? "realm" : "realms")/\(h.realm.id)/credentials"
    }

    @Test(arguments: Backend.all) func socialAndWalletCredentialsAreCreatedInDripsShapes(_ backend: Backend)
        async throws
    {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            let social = try object(
                try await client.send(
                    .post, "\(base(h))/social", key: h.key,
                    json: #"{"provider":"twitter","providerId":"987654321","username":"gamer"}"#))
            #expect((social["id"] as? String)?.count == 24)
            #expect(social["format"] as? String == "twitter")
            #expect(social["publicIdentifier"] as? String == "gamer")
            #expect(social["oauthProvider"] as? String == "twitter")
            #expect(social["oauthAccountId"] as? String == "987654321")
            #expect(social["oauthUsername"] as? String == "gamer")
            #expect(social["oauthAccountPhotos"] as? [String] == [])
            #expect(social["isVerified"] as? Bool == false)
            #expect(social["accountId"] is NSNull)
            #expect(social["type"] as? String == "twitter-id")
            #expect(social["createdAt"] is String)

            let wallet = try object(
                try await client.send(
                    .post, "\(base(h, singular: true))/wallet", key: h.key,
                    json:
                        #"{"address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","chain":"eip155","walletName":"metamask"}"#
                ))
            #expect(wallet["format"] as? String == "blockchain")
            #expect(wallet["address"] as? String == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
            #expect(wallet["publicIdentifier"] as? String == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
            #expect(wallet["chain"] as? String == "eip155")
            #expect(wallet["walletName"] as? String == "metamask")
            #expect(wallet["oauthProvider"] is NSNull)

            // Another spelling of the same address is the same credential: a duplicate is 409.
            try expectFailure(
                try await client.send(
                    .post, "\(base(h))/wallet", key: h.key,
                    json: #"{"address":"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed","chain":"eip155"}"#),
                .conflict, "CONFLICT")
            // A provider other than twitter or discord is a custom credential of that source.
            let telegram = try object(
                try await client.send(
                    .post, "\(base(h))/social", key: h.key, json: #"{"provider":"Telegram","providerId":"55"}"#))
            #expect(telegram["type"] as? String == "custom")
            #expect(telegram["source"] as? String == "telegram")
            let found = try await client.send(
                .get, "\(base(h))/find?type=custom&source=telegram&value=55", key: h.key)
            #expect(try object(found)["id"] as? String == telegram["id"] as? String)

            // Bad input is a clear 400.
            try expectFailure(
                try await client.send(.post, "\(base(h))/wallet", key: h.key, json: #"{"address":"0xabc"}"#),
                .badRequest, "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(
                    .post, "\(base(h))/social", key: h.key, json: #"{"provider":"discord","providerId":""}"#),
                .badRequest, "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(
                    .post, "\(base(h))/social", key: h.key,
                    json: #"{"provider":"discord","providerId":"1","accountId":"0123456789abcdef01234567"}"#),
                .notFound, "MEMBER_NOT_FOUND")
        }
    }

    @Test(arguments: Backend.all) func findAnswersBalancesAnd404sWhenThereIsNone(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            try expectFailure(
                try await client.send(.get, "\(base(h))/find?type=email&value=nobody@example.com", key: h.key),
                .notFound, "CREDENTIAL_NOT_FOUND")
            let changed = try object(
                try await client.send(
                    .patch, "\(base(h))/balance?type=email&value=Erin@Example.com", key: h.key,
                    json: #"{"amount":15,"initiatorId":"campaign"}"#))
            #expect(changed["balance"] as? Int == 15)
            #expect(changed["identifier"] as? String == "Erin@Example.com")
            #expect(changed["realmPointId"] as? String == h.points.id.rawValue)
            #expect(changed["linked"] as? Bool == false)
            #expect((changed["credentialId"] as? String)?.count == 24)

            let found = try object(
                try await client.send(
                    .get, "\(base(h, singular: true))/find?type=email&value=erin@example.com", key: h.key))
            #expect(found["id"] as? String == changed["credentialId"] as? String)
            #expect(found["format"] as? String == "email")
            #expect(found["publicIdentifier"] as? String == "Erin@Example.com")
            #expect(found["metadata"] is NSNull)
            #expect(found["linked"] as? Bool == false)
            let balances = try #require(found["balances"] as? [[String: Any]])
            #expect(balances.count == 1)
            #expect(balances.first?["balance"] as? Int == 15)
            #expect(balances.first?["currencyId"] as? String == h.points.id.rawValue)
            #expect(balances.first?["currencyName"] as? String == "Points")
            #expect(balances.first?["currencyEmoji"] is NSNull)

            // custom needs a source; an unknown type is refused.
            try expectFailure(
                try await client.send(.get, "\(base(h))/find?type=custom&value=x", key: h.key), .badRequest,
                "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(.get, "\(base(h))/find?type=phone&value=x", key: h.key), .badRequest,
                "VALIDATION_ERROR")
        }
        // A ghost is not a member: lists, searches and leaderboards never show it.
        let listed = try await h.store.listMembers(in: h.realm.id, query: MemberQuery(page: try PageRequest()))
        #expect(listed.total == 3)
        let board = try await h.store.leaderboard(in: h.realm.id, currency: nil, after: nil, take: 10)
        #expect(board.totalCount == 0)
        #expect(board.entries.isEmpty)
        #expect(try await h.store.verify { _ in }.isClean)
    }

    /// The issue's walk-through: a batch of credential updates credits a ghost, the ghost is
    /// linked, the member's balance is the sum, the journal shows the move, verify passes, and an
    /// idempotent retry of the link changes nothing.
    @Test(arguments: Backend.all) func aGhostCreditedByABatchIsLinkedAndItsPointsMove(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let alice = h.members[0].id
        _ = try await h.store.apply(try Batch(realmID: h.realm.id, changes: [Change(memberID: alice, amount: 5)]))
        try await h.test { client in
            let batch = try object(
                try await client.send(
                    .patch, "\(base(h))/transaction", key: h.key,
                    json: """
                        {"updates":[{"type":"twitter-id","value":"42","amount":30},
                        {"type":"twitter-id","value":"42","amount":12,"realmPointId":"\(h.capped.id)"},
                        {"type":"custom","source":"shop","value":"c-1","amount":3}],"initiatorId":"import"}
                        """))
            #expect(batch["success"] as? Bool == true)
            #expect((batch["errors"] as? [Any])?.isEmpty == true)
            let results = try #require(batch["results"] as? [[String: Any]])
            #expect(results.map { $0["balance"] as? Int } == [30, 12, 3])
            #expect(results.map { $0["type"] as? String } == ["twitter-id", "twitter-id", "custom"])
            #expect(results[0]["credentialId"] as? String == results[1]["credentialId"] as? String)
            let ghost = try #require(results[0]["credentialId"] as? String)
            // The ghost's balance holder is no member: routes addressed by member id never reach it.
            try expectFailure(
                try await client.send(.get, "/api/v1/realms/\(h.realm.id)/members/\(ghost)", key: h.key), .notFound,
                "MEMBER_NOT_FOUND")
            let byMemberID = try await client.send(
                .patch, h.batchPath, key: h.key, json: #"{"updates":[{"dripId":"\#(ghost)","amount":-30}]}"#)
            try expectFailure(byMemberID, .badRequest, "MEMBER_NOT_FOUND")

            let link = "\(base(h))/link?type=twitter-id&value=42&accountId=\(alice)"
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(h.key)"
            headers[HTTPField.Name("Idempotency-Key")!] = "link-42"
            let linked = try await client.executeRequest(uri: link, method: .post, headers: headers, body: nil)
            #expect(linked.status == .noContent)
            let replay = try await client.executeRequest(uri: link, method: .post, headers: headers, body: nil)
            #expect(replay.status == .noContent)
            #expect(replay.headers[HTTPField.Name("Idempotency-Replayed")!] == "true")
            // Linking again to the same member changes nothing; to another member is refused.
            #expect(try await client.send(.post, link, key: h.key).status == .noContent)
            try expectFailure(
                try await client.send(
                    .post, "\(base(h))/link?type=twitter-id&value=42&accountId=\(h.members[1].id)", key: h.key),
                .conflict, "CONFLICT")

            // Later changes addressed to the credential go to the member.
            let later = try object(
                try await client.send(
                    .patch, "\(base(h))/balance?type=twitter-id&value=42", key: h.key, json: #"{"amount":1}"#))
            #expect(later["linked"] as? Bool == true)
            #expect(later["accountId"] as? String == alice.rawValue)
            #expect(later["balance"] as? Int == 36)
            let found = try object(try await client.send(.get, "\(base(h))/find?type=twitter-id&value=42", key: h.key))
            #expect(found["accountId"] as? String == alice.rawValue)
            #expect(found["id"] as? String == ghost)
        }
        #expect(try await h.balance(0) == 36)
        #expect(try await h.balance(0, h.capped.id) == 12)
        let journal = try await h.store.journal(of: alice, in: h.realm.id, limit: 10)
        let moves = journal.filter { $0.kind == .link }
        #expect(moves.map(\.amount).sorted() == [12, 30])
        #expect(Set(moves.map(\.batchID)).count == 1)
        #expect(try await h.store.verify { _ in }.isClean)
    }

    @Test(arguments: Backend.all) func linkingKeepsTheBalanceRulesAndNamesWhatIsMissing(_ backend: Backend)
        async throws
    {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let (alice, bob) = (h.members[0].id, h.members[1].id)
        _ = try await h.store.apply(
            try Batch(realmID: h.realm.id, changes: [Change(memberID: alice, amount: 90, currencyID: h.capped.id)]))
        try await h.test { client in
            _ = try await client.send(
                .patch, "\(base(h))/balance?type=discord-id&value=7", key: h.key,
                json: #"{"amount":20,"realmPointId":"\#(h.capped.id)"}"#)
            // Alice would pass the ceiling of 100: nothing moves, nothing is linked.
            try expectFailure(
                try await client.send(.post, "\(base(h))/link?type=discord-id&value=7&accountId=\(alice)", key: h.key),
                .badRequest, "BALANCE_LIMIT_EXCEEDED")
            let still = try object(try await client.send(.get, "\(base(h))/find?type=discord-id&value=7", key: h.key))
            #expect(still["linked"] as? Bool == false)
            try expectFailure(
                try await client.send(
                    .post, "\(base(h))/link?type=discord-id&value=7&accountId=0123456789abcdef01234567", key: h.key),
                .notFound, "MEMBER_NOT_FOUND")
            try expectFailure(
                try await client.send(.post, "\(base(h))/link?type=discord-id&value=8&accountId=\(bob)", key: h.key),
                .notFound, "CREDENTIAL_NOT_FOUND")
            try expectFailure(
                try await client.send(.post, "\(base(h))/link?type=discord-id&value=7", key: h.key),
                .badRequest, "VALIDATION_ERROR")
            #expect(
                try await client.send(.post, "\(base(h))/link?type=discord-id&value=7&accountId=\(bob)", key: h.key)
                    .status == .noContent)
        }
        #expect(try await h.balance(0, h.capped.id) == 90)
        #expect(try await h.balance(1, h.capped.id) == 20)
        #expect(try await h.store.verify { _ in }.isClean)
    }

    @Test(arguments: Backend.all) func deletingNeedsAnEmptyCredentialAndMetadataIsSet(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            let balance = "\(base(h))/balance?type=wallet&value=7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV"
            _ = try await client.send(.patch, balance, key: h.key, json: #"{"amount":4}"#)
            // base58 is case-sensitive: the lower-case spelling is another credential.
            try expectFailure(
                try await client.send(
                    .get, "\(base(h))/find?type=wallet&value=7ecdhsygxxyscszyep35khn8vvw3svaulktzxwcfltv", key: h.key),
                .notFound, "CREDENTIAL_NOT_FOUND")
            let name = "type=wallet&value=7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV"
            try expectFailure(
                try await client.send(.delete, "\(base(h))/?\(name)", key: h.key), .badRequest,
                "CANNOT_DELETE_WITH_BALANCES")
            let meta = try await client.send(
                .patch, "\(base(h))/metadata?\(name)", key: h.key, json: #"{"metadata":{"tier":"gold"}}"#)
            #expect(meta.status == .noContent)
            let found = try object(try await client.send(.get, "\(base(h))/find?\(name)", key: h.key))
            #expect((found["metadata"] as? [String: Any])?["tier"] as? String == "gold")
            try expectFailure(
                try await client.send(
                    .patch, "\(base(h))/metadata?type=email&value=none@example.com", key: h.key,
                    json: #"{"metadata":{}}"#),
                .notFound, "CREDENTIAL_NOT_FOUND")
            try expectFailure(
                try await client.send(.patch, "\(base(h))/metadata?\(name)", key: h.key, json: #"{"metadata":[1]}"#),
                .badRequest, "VALIDATION_ERROR")

            _ = try await client.send(.patch, balance, key: h.key, json: #"{"amount":-4}"#)
            #expect(
                try await client.send(.delete, "\(base(h, singular: true))/?\(name)", key: h.key).status == .noContent)
            try expectFailure(
                try await client.send(.get, "\(base(h))/find?\(name)", key: h.key), .notFound, "CREDENTIAL_NOT_FOUND")
            try expectFailure(
                try await client.send(.delete, "\(base(h))/?\(name)", key: h.key), .notFound, "CREDENTIAL_NOT_FOUND")
        }
        #expect(try await h.store.verify { _ in }.isClean)
    }

    @Test(arguments: Backend.all) func balanceChangesKeepEveryRuleAndTheBatchIsAllOrNothing(_ backend: Backend)
        async throws
    {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            let path = "\(base(h))/balance?type=discord-id&value=1190194345295482952"
            try expectFailure(
                try await client.send(.patch, path, key: h.key, json: #"{"amount":-1}"#), .badRequest,
                "INSUFFICIENT_BALANCE")
            // A refused change creates nothing.
            try expectFailure(
                try await client.send(.get, "\(base(h))/find?type=discord-id&value=1190194345295482952", key: h.key),
                .notFound, "CREDENTIAL_NOT_FOUND")
            try expectFailure(
                try await client.send(
                    .patch, path, key: h.key, json: #"{"amount":101,"realmPointId":"\#(h.capped.id)"}"#),
                .badRequest, "BALANCE_LIMIT_EXCEEDED")
            try expectFailure(
                try await client.send(
                    .patch, path, key: h.key, json: #"{"amount":1,"realmPointId":"0123456789abcdef01234567"}"#),
                .badRequest, "CURRENCY_NOT_FOUND")
            try expectFailure(
                try await client.send(.patch, path, key: h.key, json: #"{"amount":"ten"}"#), .badRequest,
                "VALIDATION_ERROR")

            // The second update fails, so the first is not applied either, and no credential is made.
            let failed = try expectFailure(
                try await client.send(
                    .patch, "\(base(h))/transaction", key: h.key,
                    json:
                        #"{"updates":[{"type":"email","value":"a@example.com","amount":5},{"type":"email","value":"b@example.com","amount":-5}]}"#
                ), .badRequest, "INSUFFICIENT_BALANCE")
            #expect(failed.details?["index"] == .integer(1))
            try expectFailure(
                try await client.send(.get, "\(base(h))/find?type=email&value=a@example.com", key: h.key), .notFound,
                "CREDENTIAL_NOT_FOUND")
            let invalid = try expectFailure(
                try await client.send(
                    .patch, "\(base(h))/transaction", key: h.key,
                    json:
                        #"{"updates":[{"type":"email","value":"a@example.com","amount":5},{"type":"custom","value":"x","amount":1}]}"#
                ), .badRequest, "VALIDATION_ERROR")
            #expect(invalid.details?["index"] == .integer(1))
            try expectFailure(
                try await client.send(.patch, "\(base(h))/transaction", key: h.key, json: #"{"updates":[]}"#),
                .badRequest, "VALIDATION_ERROR")
        }
        #expect(try await h.store.verify { _ in }.entriesChecked == 0)
    }

    @Test(arguments: Backend.all) func transfersMoveBetweenCredentialsAndToMembersCredentials(_ backend: Backend)
        async throws
    {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let carol = try await h.store.createMember(Credentials(username: "dora", discordId: "555"), in: h.realm.id)
        let locked = try await h.store.createCurrency(
            CurrencyDraft(name: "Soulbound", isTransferable: false), in: h.realm.id)
        try await h.test { client in
            _ = try await client.send(
                .patch, "\(base(h))/balance?type=email&value=giver@example.com", key: h.key, json: #"{"amount":50}"#)
            let moved = try object(
                try await client.send(
                    .patch,
                    "\(base(h))/transfer?fromType=email&fromValue=giver@example.com&toType=twitter-id&toValue=9",
                    key: h.key, json: #"{"amount":20}"#))
            #expect(moved["amount"] as? Int == 20)
            #expect(moved["fromBalance"] as? Int == 30)
            #expect(moved["toBalance"] as? Int == 20)
            #expect(moved["realmPointId"] as? String == h.points.id.rawValue)
            #expect((moved["toCredentialId"] as? String)?.count == 24)
            // To an identity a member holds as its own credential: the member receives.
            let toMember = try object(
                try await client.send(
                    .patch,
                    "\(base(h))/transfer?fromType=email&fromValue=giver@example.com&toType=discord-id&toValue=555",
                    key: h.key, json: #"{"amount":5}"#))
            #expect(toMember["toBalance"] as? Int == 5)
            // The sender must exist.
            try expectFailure(
                try await client.send(
                    .patch,
                    "\(base(h))/transfer?fromType=email&fromValue=nobody@example.com&toType=twitter-id&toValue=9",
                    key: h.key, json: #"{"amount":1}"#),
                .notFound, "CREDENTIAL_NOT_FOUND")
            try expectFailure(
                try await client.send(
                    .patch,
                    "\(base(h))/transfer?fromType=email&fromValue=giver@example.com&toType=email&toValue=GIVER@example.com",
                    key: h.key, json: #"{"amount":1}"#),
                .badRequest, "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(
                    .patch,
                    "\(base(h))/transfer?fromType=email&fromValue=giver@example.com&toType=twitter-id&toValue=9",
                    key: h.key, json: #"{"amount":0}"#),
                .badRequest, "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(
                    .patch,
                    "\(base(h))/transfer?fromType=email&fromValue=giver@example.com&toType=twitter-id&toValue=9",
                    key: h.key, json: #"{"amount":1000}"#),
                .badRequest, "INSUFFICIENT_BALANCE")
            try expectFailure(
                try await client.send(
                    .patch,
                    "\(base(h))/transfer?fromType=email&fromValue=giver@example.com&toType=twitter-id&toValue=9",
                    key: h.key, json: #"{"amount":1,"realmPointId":"\#(locked.id)"}"#),
                .badRequest, "CURRENCY_NOT_TRANSFERABLE")
        }
        #expect(
            try await h.store.balance(BalanceKey(currencyID: h.points.id, memberID: carol.id), in: h.realm.id) == 5)
        #expect(try await h.store.verify { _ in }.isClean)
    }

    @Test(arguments: Backend.all) func realmsAndScopesFenceCredentials(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            _ = try await client.send(
                .patch, "\(base(h))/balance?type=discord-id&value=1", key: h.key, json: #"{"amount":9}"#)
            // A key of another realm can neither see nor move this realm's credentials...
            try expectFailure(
                try await client.send(.get, "\(base(h))/find?type=discord-id&value=1", key: h.otherRealmKey),
                .forbidden, "Forbidden")
            try expectFailure(
                try await client.send(
                    .patch, "\(base(h))/balance?type=discord-id&value=1", key: h.otherRealmKey, json: #"{"amount":-9}"#),
                .forbidden, "Forbidden")
            // ...and in its own realm the same identity is another credential.
            try expectFailure(
                try await client.send(
                    .get, "/api/v1/realms/\(h.otherRealm.id)/credentials/find?type=discord-id&value=1",
                    key: h.otherRealmKey),
                .notFound, "CREDENTIAL_NOT_FOUND")
            // A read-only key reads, and changes nothing.
            #expect(
                try await client.send(.get, "\(base(h))/find?type=discord-id&value=1", key: h.readOnlyKey).status == .ok
            )
            try expectFailure(
                try await client.send(
                    .patch, "\(base(h))/balance?type=discord-id&value=1", key: h.readOnlyKey, json: #"{"amount":1}"#),
                .forbidden, "Forbidden")
            try expectFailure(
                try await client.send(
                    .post, "\(base(h))/social", key: h.readOnlyKey, json: #"{"provider":"discord","providerId":"2"}"#),
                .forbidden, "Forbidden")
            try expectFailure(
                try await client.send(.delete, "\(base(h))/?type=discord-id&value=1", key: h.readOnlyKey),
                .forbidden, "Forbidden")
            try expectFailure(
                try await client.send(.get, "\(base(h))/find?type=discord-id&value=1", key: nil), .unauthorized,
                "Unauthorized")
        }
    }

    /// Many requests crediting one new identity at once make one credential and lose nothing
    /// (on PostgreSQL, the writes that lose the race to create it run again and find it). Every
    /// request gets a pooled connection of its own, so none can be refused for waiting longer than
    /// the pool allows (a 503 by design, under load): each must succeed.
    @Test(arguments: Backend.all) func racingCreditsToANewIdentityMakeOneCredential(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend, poolSize: 24)
        defer { h.cleanUp() }
        let path = "\(base(h))/balance?type=email&value=race@example.com"
        try await h.test { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await client.send(.patch, path, key: h.key, json: #"{"amount":1}"#).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok })
            let found = try object(
                try await client.send(.get, "\(base(h))/find?type=email&value=race@example.com", key: h.key))
            #expect((found["balances"] as? [[String: Any]])?.first?["balance"] as? Int == 20)
        }
        #expect(try await h.store.verify { _ in }.isClean)
    }
}
