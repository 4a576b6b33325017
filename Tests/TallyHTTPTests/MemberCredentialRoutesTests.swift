import Foundation
import HummingbirdTesting
import TallyCore
import TallyTestSupport
import Testing

/// Credentials over HTTP: emails and EVM addresses match the way people type them, in search,
/// accounts/find and member creation; answers show them as first given; and credentials have
/// DRIP's shape.
@Suite(.serviceScope) struct MemberCredentialRoutesTests {
    static let evm = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    static let base58 = "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV"

    @Test(arguments: Backend.all) func emailsAndEVMWalletsMatchInAnyCaseAndAnswerAsGiven(_ backend: Backend)
        async throws
    {
        let h = try await HTTPHarness.make(backend, limits: .standard)
        defer { h.cleanUp() }
        let members = "/api/v1/realms/\(h.realm.id)/members"
        try await h.test { client in
            let created = try await client.send(
                .post, members, key: h.key, json: #"{"wallet":"\#(Self.evm)","email":"Erin@Example.com"}"#)
            #expect(created.status == .created)
            let id = try #require(try object(created)["id"] as? String)
            for prefix in ["/api/v1/realms", "/api/v1/realm"] {
                for query in [
                    "type=wallet&values=\(Self.evm.lowercased())", "type=wallet&values=\(Self.evm.uppercased())",
                    "type=email&values=erin@example.com", "type=email&value=ERIN@EXAMPLE.COM",
                ] {
                    let found = try object(
                        try await client.send(.get, "\(prefix)/\(h.realm.id)/members/search?\(query)", key: h.key))
                    let data = try #require(found["data"] as? [[String: Any]], "\(prefix) \(query)")
                    #expect(data.map { $0["id"] as? String } == [id], "\(prefix) \(query)")
                    #expect(data.first?["email"] as? String == "Erin@Example.com", "the email as given")
                    let identifiers = (data.first?["credentials"] as? [[String: Any]])?.map {
                        $0["publicIdentifier"] as? String
                    }
                    #expect(identifiers == [Self.evm, "Erin@Example.com"], "the credentials as given")
                }
            }
            for query in ["type=wallet&values=\(Self.evm.lowercased())", "type=email&values=nobody@x,ERIN@example.com"]
            {
                for key in [h.key, h.adminKey] {
                    let found = try object(try await client.send(.get, "/api/v1/accounts/find?\(query)", key: key))
                    #expect(found["data"] as? String == id, "\(query)")
                }
            }
            let hidden = try await client.send(
                .get, "/api/v1/accounts/find?type=email&values=erin@example.com", key: h.otherRealmKey)
            #expect(String(buffer: hidden.body) == #"{"data":null}"#, "still only in the key's realm")

            for body in [#"{"wallet":"\#(Self.evm.lowercased())"}"#, #"{"email":"erin@example.com"}"#] {
                let clash = try expectFailure(
                    try await client.send(.post, members, key: h.key, json: body), .conflict, "CONFLICT")
                #expect(clash.message.contains("already exists"), "\(clash.message)")
            }
            let list = try object(try await client.send(.get, members + "?limit=100", key: h.key))
            #expect((list["meta"] as? [String: Any])?["total"] as? Int == 4, "the refused members were not stored")
        }
    }

    @Test(arguments: Backend.all) func aBase58WalletMatchesOnlyItsOwnSpelling(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend, limits: .standard)
        defer { h.cleanUp() }
        let members = "/api/v1/realms/\(h.realm.id)/members"
        try await h.test { client in
            let created = try await client.send(
                .post, members, key: h.key, json: #"{"wallet":"\#(Self.base58)","walletChain":"solana"}"#)
            #expect(created.status == .created)
            let id = try #require(try object(created)["id"] as? String)
            let lowered = Self.base58.lowercased()
            let missed = try object(
                try await client.send(.get, "\(members)/search?type=wallet&values=\(lowered)", key: h.key))
            #expect((missed["data"] as? [Any])?.isEmpty == true)
            let notFound = try await client.send(
                .get, "/api/v1/accounts/find?type=wallet&values=\(lowered)", key: h.key)
            #expect(String(buffer: notFound.body) == #"{"data":null}"#)
            let found = try object(
                try await client.send(.get, "/api/v1/accounts/find?type=wallet&values=\(Self.base58)", key: h.key))
            #expect(found["data"] as? String == id)
            let twin = try await client.send(.post, members, key: h.key, json: #"{"wallet":"\#(lowered)"}"#)
            #expect(twin.status == .created, "the lower-cased base58 address is another wallet")
        }
    }

    /// Every field of a wallet, a discord and an email credential, as DRIP sends them.
    @Test(arguments: Backend.all) func credentialsHaveDRIPsShapeFieldByField(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend, limits: .standard)
        defer { h.cleanUp() }
        let members = "/api/v1/realms/\(h.realm.id)/members"
        try await h.test { client in
            func credentials(_ json: String) async throws -> [NSDictionary] {
                let created = try await client.send(.post, members, key: h.key, json: json)
                #expect(created.status == .created, "\(String(buffer: created.body))")
                let id = try #require(try object(created)["id"] as? String)
                let answered = try #require(try object(created)["credentials"] as? [NSDictionary])
                let fetched = try object(try await client.send(.get, "\(members)/\(id)", key: h.key))
                #expect(fetched["credentials"] as? [NSDictionary] == answered, "created and read alike")
                return answered
            }
            let first = try await credentials(
                #"{"discordId":"123456789012345678","wallet":"\#(Self.evm)","walletName":"metamask","email":"E@x.io"}"#)
            #expect(
                first == [
                    [
                        "format": "discord", "publicIdentifier": "123456789012345678", "oauthProvider": "discord",
                        "oauthAccountId": "123456789012345678", "oauthUsername": NSNull(),
                        "oauthAccountPhotos": [String](),
                    ],
                    [
                        "format": "blockchain", "publicIdentifier": Self.evm, "oauthProvider": NSNull(),
                        "oauthAccountId": NSNull(), "oauthUsername": NSNull(), "oauthAccountPhotos": [String](),
                        "walletName": "metamask", "chain": "eip155",
                    ],
                    [
                        "format": "email", "publicIdentifier": "E@x.io", "oauthProvider": NSNull(),
                        "oauthAccountId": NSNull(), "oauthUsername": NSNull(), "oauthAccountPhotos": [String](),
                    ],
                ])
            let chained = try await credentials(
                #"{"wallet":"0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B","walletChain":"eip155:8453"}"#)
            #expect(chained.first?["chain"] as? String == "eip155:8453", "a chain given wins")
            #expect(chained.first?["walletName"] is NSNull)
            let unknown = try await credentials(#"{"wallet":"\#(Self.base58)"}"#)
            #expect(unknown.first?["chain"] is NSNull, "no chain for an address that is not EVM, given none")
            #expect(unknown.first?["format"] as? String == "blockchain")
        }
    }

    @Test(arguments: Backend.all) func aWalletsChainAndNameAreValidated(_ backend: Backend) async throws {
        let h = try await HTTPHarness.make(backend, limits: .standard)
        defer { h.cleanUp() }
        let members = "/api/v1/realms/\(h.realm.id)/members"
        let limits = Limits.standard
        let chain = String(repeating: "c", count: limits.chainLengthMax)
        let name = String(repeating: "n", count: limits.nameLengthMax)
        try await h.test { client in
            for (body, mentions) in [
                (#"{"walletChain":"eip155"}"#, "wallet-chain"),
                (#"{"wallet":"0x1","walletChain":"\#(chain)c"}"#, "wallet-chain must be at most 64"),
                (#"{"wallet":"0x1","walletChain":"eip\u0001155"}"#, "wallet-chain must not contain control"),
                (#"{"wallet":"0x1","walletName":"\#(name)n"}"#, "wallet-name must be at most 200"),
                (#"{"wallet":"0x1","walletName":"meta\nmask"}"#, "wallet-name must not contain control"),
                (#"{"wallet":"0x1","walletName":7}"#, "walletName"),
            ] {
                let refused = try expectFailure(
                    try await client.send(.post, members, key: h.key, json: body), .badRequest, "VALIDATION_ERROR")
                #expect(refused.message.contains(mentions), "\(body): \(refused.message)")
            }
            let list = try object(try await client.send(.get, members + "?limit=100", key: h.key))
            #expect((list["meta"] as? [String: Any])?["total"] as? Int == 3, "nothing refused was stored")
            let longest = try await client.send(
                .post, members, key: h.key, json: #"{"wallet":"0x1","walletChain":"\#(chain)","walletName":"\#(name)"}"#
            )
            #expect(longest.status == .created, "the limits themselves are accepted")
        }
    }
}
