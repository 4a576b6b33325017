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
            // In chunks of 20 rows: the clash is in the third, after two were written.
            let error = try await expectTallyError(.conflict, "clash on the last row") {
                _ = try await MemberImports.load(rows, into: f.realm.id, store: f.store, chunkRows: 20)
            }
            try expectTrue(error.message.contains("Line 52"), "the message names the row's line: \(error.message)")
            try expectEqual(
                try await f.store.members(in: f.realm.id, limit: 100).count, 1, "no row of the failed import stays")
            let created = try await MemberImports.load(Array(rows.dropLast()), into: f.realm.id, store: f.store)
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
                _ = try await MemberImports.load(rows, into: f.realm.id, store: f.store)
            }
            try expectTrue(
                error.message.contains("Line 2102") && error.message.contains("bulk1500@example.com"),
                "the message names the first clashing row's line and value: \(error.message)")
            try expectEqual(
                try await f.store.members(in: f.realm.id, limit: 100).count, 1, "no row of the failed import stays")
            rows[2_100].email = nil
            rows[2_200].email = nil
            let created = try await MemberImports.load(rows, into: f.realm.id, store: f.store)
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
        .init(name: "a member import writes its opening balances with import entries, and a later clash undoes them") {
            factory in
            let f = try await Fixture.make(factory, members: 1)
            let gems = try await f.store.createCurrency(
                CurrencyDraft(name: "Gems", minimumBalance: -50, maximumBalance: 1_000), in: f.realm.id)
            let rows = (0..<30).map { Credentials(username: "rich\($0)") }
            let balances = (0..<30).map { index -> [(currency: Currency, amount: Int64)] in
                [(f.points, Int64(index * 10)), (gems, index.isMultiple(of: 3) ? -Int64(index) : 0)]
            }
            // In chunks of 7 rows, so that entries and balances come in several chunks too.
            let members = try await MemberImports.load(
                rows, balances: balances, into: f.realm.id, store: f.store, chunkRows: 7, initiatorID: "drip export")
            var batches = Set<BatchID>()
            for (index, member) in members.enumerated() {
                let points = Int64(index * 10), gemCount = index.isMultiple(of: 3) ? -Int64(index) : 0
                try expectEqual(
                    try await f.store.balance(BalanceKey(currencyID: f.points.id, memberID: member.id), in: f.realm.id),
                    points, "row \(index)'s points")
                try expectEqual(
                    try await f.store.balance(BalanceKey(currencyID: gems.id, memberID: member.id), in: f.realm.id),
                    gemCount, "row \(index)'s gems")
                let entries = try await f.store.journal(of: member.id, in: f.realm.id, limit: 10)
                let expected = [(f.points.id, points), (gems.id, gemCount)].filter { $0.1 != 0 }
                try expectEqual(entries.count, expected.count, "row \(index): one entry per balance that is not 0")
                for (currency, amount) in expected {
                    guard let entry = entries.first(where: { $0.currencyID == currency }) else {
                        throw ConformanceFailure("row \(index) has no entry in \(currency)")
                    }
                    try expectEqual(entry.kind, .imported, "the entry's kind")
                    try expectEqual(
                        [entry.amount, entry.balanceBefore, entry.balanceAfter], [amount, 0, amount],
                        "the entry goes from 0 to the balance")
                    try expectEqual(entry.initiatorID, "drip export", "the entry's initiator")
                    batches.insert(entry.batchID)
                }
            }
            try expectEqual(batches.count, 1, "every opening entry of the import is in one batch")
            try await f.expectClean()
            let before = try await f.store.verify { _ in }

            let outside = try await expectTallyError(.validation, "a balance below the floor") {
                _ = try await MemberImports.load(
                    [Credentials(username: "fine"), Credentials(username: "poor")],
                    balances: [[(gems, 5)], [(gems, -51)]], into: f.realm.id, store: f.store)
            }
            try expectTrue(
                outside.message.contains("Line 3") && outside.message.contains("-51"),
                "the message names the line and the balance: \(outside.message)")
            // The clash is on row 20, in the third chunk: the first two, with their balances, go.
            let clashing =
                (0..<20).map { Credentials(username: "new\($0)") } + [Credentials(username: "rich3")]
            let error = try await expectTallyError(.conflict, "a clash after two chunks with balances") {
                _ = try await MemberImports.load(
                    clashing, balances: clashing.map { _ in [(f.points, Int64(5))] }, into: f.realm.id, store: f.store,
                    chunkRows: 8)
            }
            try expectTrue(error.message.contains("Line 22"), "the message names the line: \(error.message)")
            try expectEqual(try await f.store.members(in: f.realm.id, limit: 100).count, 31, "no member stays")
            let after = try await f.store.verify { _ in }
            try expectEqual(
                [after.entriesChecked, after.balancesChecked], [before.entriesChecked, before.balancesChecked],
                "no entry or balance stays")
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
