import TallyCore

/// Realms, currencies, members and keys.
enum RecordCases {
    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "a credential is unique within a realm but may repeat across realms") { factory in
            let f = try await Fixture.make(factory)
            _ = try await expectTallyError(.conflict, "duplicate username") {
                _ = try await f.store.createMember(Credentials(username: "member0"), in: f.realm.id)
            }
            let other = try await f.store.createRealm(name: "Other")
            _ = try await f.store.createMember(Credentials(username: "member0"), in: other.id)
        },
        .init(name: "an import is all or nothing") { factory in
            let f = try await Fixture.make(factory, members: 1)
            let rows =
                (0..<50).map { Credentials(username: "new\($0)", discordId: "\(1000 + $0)") } + [
                    Credentials(username: "member0")
                ]
            let error = try await expectTallyError(.conflict, "clash on the last row") {
                _ = try await f.store.importMembers(rows, in: f.realm.id) { _ in }
            }
            try expectTrue(error.message.contains("51"), "the message names the row: \(error.message)")
            try expectEqual(
                try await f.store.members(in: f.realm.id, limit: 100).count, 1, "no row of the failed import stays")
            let created = try await f.store.importMembers(Array(rows.dropLast()), in: f.realm.id) { _ in }
            try expectEqual(created.count, 50, "a clean import creates every row")
            try expectEqual(try await f.store.members(in: f.realm.id, limit: 100).count, 51, "members after import")
        },
        .init(name: "a large import keeps absent credentials absent and names the clashing row") { factory in
            let f = try await Fixture.make(factory, members: 1)
            // Past any bulk statement's chunk size: half the rows have no email and none has a
            // wallet, so an absent credential must stay NULL, or those rows would clash.
            var rows = (0..<2_500).map { index in
                Credentials(username: "bulk\(index)", email: index.isMultiple(of: 2) ? "bulk\(index)@example.com" : nil)
            }
            rows[2_100].email = "bulk1500@example.com"  // the first clash: row 2,101 repeats row 1,501
            rows[2_200].email = "bulk2150@example.com"
            let error = try await expectTallyError(.conflict, "clash inside a large import") {
                _ = try await f.store.importMembers(rows, in: f.realm.id) { _ in }
            }
            try expectTrue(
                error.message.contains("Row 2101") && error.message.contains("bulk1500@example.com"),
                "the message names the first clashing row and value: \(error.message)")
            try expectEqual(
                try await f.store.members(in: f.realm.id, limit: 100).count, 1, "no row of the failed import stays")
            rows[2_100].email = nil
            rows[2_200].email = nil
            let created = try await f.store.importMembers(rows, in: f.realm.id) { _ in }
            try expectEqual(created.count, 2_500, "a clean import creates every row")
            let found = try await f.store.searchMembers(
                in: f.realm.id, kind: .email, values: ["bulk2498@example.com"], page: try PageRequest()
            ).items
            try expectEqual(found.map(\.member.credentials.username), ["bulk2498"], "an imported row reads back")
            try expectEqual(found.first?.member.credentials.wallet, nil, "an absent credential reads back absent")
            let unmailed = try await f.store.searchMembers(
                in: f.realm.id, kind: .username, values: ["bulk2499"], page: try PageRequest()
            ).items
            try expectEqual(unmailed.first?.member.credentials.email, nil, "an absent email reads back absent")
        },
        .init(name: "records in an unknown realm are Not Found") { factory in
            let store = try await factory()
            let ghost = RealmID("0123456789abcdef01234567")!
            _ = try await expectTallyError(.notFound, "currency") {
                _ = try await store.createCurrency(CurrencyDraft(name: "X"), in: ghost)
            }
            _ = try await expectTallyError(.notFound, "member") {
                _ = try await store.createMember(Credentials(username: "x"), in: ghost)
            }
            _ = try await expectTallyError(.notFound, "key") {
                _ = try await store.issueKey(realm: ghost, name: nil, ids: IDGenerator())
            }
            _ = try await expectTallyError(.notFound, "no such realm") { _ = try await store.realm(ghost) }
        },
        .init(name: "keys store only a hash, authenticate by secret, and revoke") { factory in
            let f = try await Fixture.make(factory, members: 0)
            let issued = try await f.store.issueKey(
                realm: f.realm.id, name: "bot", scopes: [.pointsWrite], ids: IDGenerator())
            guard let stored = try await f.store.key(issued.key.id) else { throw ConformanceFailure("key not found") }
            try expectEqual(stored.scopes, [.pointsWrite], "scopes")
            try expectEqual(stored.realmID, f.realm.id, "realm")
            try expectTrue(issued.secret.matches(stored.secretHash), "the secret matches its hash")
            try expectTrue(
                !stored.secretHash.isEmpty && stored.secretHash != Array(issued.secret.text.utf8),
                "only a hash is stored")
            let revoked = try await f.store.revokeKey(issued.key.id)
            try expectTrue(revoked.isRevoked, "revoked")
            try expectTrue(try await f.store.key(issued.key.id)?.isRevoked == true, "revocation persists")
            _ = try await expectTallyError(.notFound, "revoking an unknown key") {
                _ = try await f.store.revokeKey(KeyID("0123456789abcdef01234567")!)
            }
            let admin = try await f.store.issueKey(realm: nil, name: nil, ids: IDGenerator())
            try expectEqual(try await f.store.keys(in: nil).count, 2, "all keys")
            try expectEqual(try await f.store.keys(in: f.realm.id).map(\.id), [issued.key.id], "realm keys")
            try expectTrue(try await f.store.key(admin.key.id)?.isAdmin == true, "admin key")
        },
    ]
}
