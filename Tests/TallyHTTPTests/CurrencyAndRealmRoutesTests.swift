import Foundation
import HummingbirdTesting
import TallyCore
import TallyTestSupport
import Testing

/// Currencies and realms.
@Suite(.serviceScope) struct CurrencyAndRealmRoutesTests {
    @Test(arguments: Backend.all) func currenciesCreateListUpdateArchive(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        let base = "/api/v1/realms/\(h.realm.id)/currencies"
        try await h.test { client in
            let created = try await client.send(
                .post, base, key: h.key,
                json:
                    #"{"name":"Gems","emoji":"💎","default":true,"metadata":{"tier":1},"maximumBalance":1000,"transferable":false}"#
            )
            #expect(created.status == .created)
            let gems = try object(created)
            let gemsID = try #require(gems["id"] as? String)
            #expect(gems["default"] as? Bool == true)
            #expect(gems["maximumBalance"] as? Int == 1000)
            #expect(gems["transferable"] as? Bool == false)
            #expect(gems["ownership"] as? String == "OWNED")

            // One default per realm: Points lost the flag.
            let got = try object(try await client.send(.get, "\(base)/\(h.points.id)", key: h.key))
            #expect((got["data"] as? [String: Any])?["default"] as? Bool == false)

            let listed = try object(try await client.send(.get, base + "?isDefault=true", key: h.key))
            #expect((listed["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [gemsID])
            let byName = try object(
                try await client.send(.get, base + "?sortBy=name&sortOrder=desc&limit=2", key: h.key))
            #expect((byName["data"] as? [[String: Any]])?.map { $0["name"] as? String } == ["Points", "Gems"])
            #expect((byName["meta"] as? [String: Int])?["totalPages"] == 2)

            // Update: clear the emoji, lower the ceiling; a ceiling under an existing balance is refused.
            _ = try await client.send(
                .patch, "/api/v1/realms/\(h.realm.id)/members/\(h.members[0].id)/balance", key: h.key,
                json: #"{"amount":500,"currencyId":"\#(gemsID)"}"#)
            let updated = try object(
                try await client.send(
                    .patch, "\(base)/\(gemsID)", key: h.key,
                    json: #"{"emoji":null,"maximumBalance":600,"name":"Gemstones"}"#))
            #expect(updated["emoji"] is NSNull)
            #expect(updated["name"] as? String == "Gemstones")
            try expectFailure(
                try await client.send(.patch, "\(base)/\(gemsID)", key: h.key, json: #"{"maximumBalance":499}"#),
                .badRequest, "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(.patch, "\(base)/\(gemsID)", key: h.key, json: #"{"minimumBalance":1}"#),
                .badRequest, "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(.patch, "\(base)/\(gemsID)", key: h.key, json: #"{"name":""}"#), .badRequest,
                "VALIDATION_ERROR")

            #expect(
                try await client.send(
                    .patch, "\(base)/\(gemsID)/metadata", key: h.key, json: #"{"metadata":{"tier":2}}"#
                ).status == .noContent)
            let withMetadata = try object(try await client.send(.get, "\(base)/\(gemsID)", key: h.key))
            #expect(((withMetadata["data"] as? [String: Any])?["metadata"] as? [String: Int]) == ["tier": 2])

            // Archive: no more changes, no longer the default, hidden unless asked for.
            #expect(try await client.send(.delete, "\(base)/\(gemsID)", key: h.key).status == .noContent)
            let archived =
                try object(try await client.send(.get, "\(base)/\(gemsID)", key: h.key))["data"] as? [String: Any]
            #expect(archived?["archived"] as? Bool == true)
            #expect(archived?["archivedAt"] is String)
            #expect(archived?["default"] as? Bool == false)
            try expectFailure(
                try await client.send(
                    .patch, "/api/v1/realms/\(h.realm.id)/members/\(h.members[0].id)/balance", key: h.key,
                    json: #"{"amount":1,"currencyId":"\#(gemsID)"}"#),
                .badRequest, "CURRENCY_NOT_FOUND")
            let active = try object(try await client.send(.get, base, key: h.key))
            #expect((active["data"] as? [[String: Any]])?.contains { $0["id"] as? String == gemsID } == false)
            let onlyArchived = try object(try await client.send(.get, base + "?status=archived", key: h.key))
            #expect((onlyArchived["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [gemsID])
            try expectFailure(
                try await client.send(.patch, "\(base)/\(gemsID)", key: h.key, json: #"{"default":true}"#), .badRequest,
                "VALIDATION_ERROR")
            #expect(try await client.send(.post, "\(base)/\(gemsID)/unarchive", key: h.key).status == .noContent)
            #expect(
                try await client.send(
                    .patch, "/api/v1/realms/\(h.realm.id)/members/\(h.members[0].id)/balance", key: h.key,
                    json: #"{"amount":1,"currencyId":"\#(gemsID)"}"#
                ).status == .ok)

            for path in [
                "\(base)/0123456789abcdef01234567", "\(base)/not-an-id",
                "/api/v1/realms/\(h.otherRealm.id)/currencies/\(gemsID)",
            ] {
                let response = try await client.send(.get, path, key: h.adminKey)
                try expectFailure(response, .notFound, "Not Found")
            }
            for bad in [
                #"{}"#, #"{"name":5}"#, #"{"name":"X","minimumBalance":5}"#, #"{"name":"X","maximumBalance":-1}"#,
                #"{"name":"X","metadata":3}"#,
            ] {
                try expectFailure(
                    try await client.send(.post, base, key: h.key, json: bad), .badRequest, "VALIDATION_ERROR")
            }
            for bad in ["page=0", "limit=1000", "status=gone", "includeArchived=yes", "sortBy=emoji"] {
                try expectFailure(
                    try await client.send(.get, base + "?" + bad, key: h.key), .badRequest, "VALIDATION_ERROR")
            }
        }
        #expect(try await h.store.verify { _ in }.isClean)
    }

    @Test(arguments: Backend.all) func realmsGetAndCreate(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend)
        defer { h.cleanUp() }
        try await h.test { client in
            let realm = try object(try await client.send(.get, "/api/v1/realms/\(h.realm.id)", key: h.key))
            #expect(realm["id"] as? String == h.realm.id.rawValue)
            #expect(realm["name"] as? String == "Guild")
            try expectFailure(
                try await client.send(.post, "/api/v1/realms", key: h.key, json: #"{"name":"Mine"}"#), .forbidden,
                "Forbidden")
            let created = try await client.send(
                .post, "/api/v1/realms", key: h.adminKey,
                json: #"{"name":"New","subdomain":"new-guild","description":"d"}"#)
            #expect(created.status == .created)
            #expect(try object(created)["subdomain"] as? String == "new-guild")
            try expectFailure(
                try await client.send(
                    .post, "/api/v1/realms", key: h.adminKey, json: #"{"name":"Again","subdomain":"new-guild"}"#),
                .conflict, "CONFLICT")
            try expectFailure(
                try await client.send(
                    .post, "/api/v1/realms", key: h.adminKey, json: #"{"name":"Bad","subdomain":"Not OK"}"#),
                .badRequest, "VALIDATION_ERROR")
            try expectFailure(
                try await client.send(.get, "/api/v1/realms/0123456789abcdef01234567", key: h.adminKey), .notFound,
                "Not Found")
        }
    }
}
