import TallyCore

/// Every write goes through `perform`: keys and currency edits answer as stored, take idempotency
/// claims like a batch, and refuse unknown records with the one shared sentence. (A member import
/// goes through `load`, which answers the members it created as it hands them over.)
enum WriteCases {
    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "a currency edit answers with the row as stored, and an edit that changes nothing writes nothing") {
            factory in
            let f = try await Fixture.make(factory)
            var patch = CurrencyPatch()
            patch.name = "Stars"
            patch.metadata = ["tier": 2]
            patch.minimumBalance = -5
            let updated = try await f.store.updateCurrency(f.points.id, in: f.realm.id, patch: patch)
            try expectEqual(try await f.store.currency(f.points.id, in: f.realm.id), updated, "update as stored")
            try expectEqual(updated.name, "Stars", "name")
            try expectEqual(updated.createdAtMilliseconds, f.points.createdAtMilliseconds, "creation time kept")
            let archived = try await f.store.setCurrencyArchived(f.points.id, in: f.realm.id, archived: true)
            try expectEqual(try await f.store.currency(f.points.id, in: f.realm.id), archived, "archive as stored")
            try expectTrue(archived.isArchived && !archived.isDefault, "archived, no longer the default")
            let again = try await f.store.setCurrencyArchived(f.points.id, in: f.realm.id, archived: true)
            try expectEqual(again, archived, "archiving twice changes nothing, not even updatedAt")
            let back = try await f.store.setCurrencyArchived(f.points.id, in: f.realm.id, archived: false)
            try expectEqual(try await f.store.currency(f.points.id, in: f.realm.id), back, "unarchive as stored")
            try expectTrue(!back.isArchived && !back.isDefault, "unarchiving does not restore the default flag")
            try expectEqual(back.name, "Stars", "other fields survive archiving")
            var makeDefault = CurrencyPatch()
            makeDefault.isDefault = true
            _ = try await f.store.setCurrencyArchived(f.points.id, in: f.realm.id, archived: true)
            _ = try await expectTallyError(.validation, "an archived currency cannot become the default") {
                _ = try await f.store.updateCurrency(f.points.id, in: f.realm.id, patch: makeDefault)
            }
        },
        .init(name: "editing an unknown currency or member is a 404, named in one sentence") { factory in
            let f = try await Fixture.make(factory)
            let ghostCurrency = CurrencyID("0123456789abcdef01234567")!
            let ghostMember = MemberID("0123456789abcdef01234567")!
            let update = try await expectTallyError(.notFound, "update") {
                _ = try await f.store.updateCurrency(ghostCurrency, in: f.realm.id, patch: CurrencyPatch())
            }
            try expectEqual(update, .notFound(ghostCurrency, in: f.realm.id), "update's error")
            let archive = try await expectTallyError(.notFound, "archive") {
                _ = try await f.store.setCurrencyArchived(ghostCurrency, in: f.realm.id, archived: true)
            }
            try expectEqual(archive, .notFound(ghostCurrency, in: f.realm.id), "archive's error")
            let metadata = try await expectTallyError(.memberNotFound, "metadata") {
                try await f.store.setMemberMetadata(["a": 1], of: ghostMember, in: f.realm.id)
            }
            try expectEqual(metadata, .notFound(ghostMember, in: f.realm.id), "metadata's error")
            let ghostRealm = RealmID("0123456789abcdef01234567")!
            let imported = try await expectTallyError(.notFound, "import into an unknown realm") {
                _ = try await MemberImports.load([Credentials(username: "x")], into: ghostRealm, store: f.store)
            }
            try expectEqual(imported, .realmNotFound(ghostRealm), "import's error")
            let taken = try await expectTallyError(.conflict, "a taken credential") {
                _ = try await f.store.createMember(Credentials(username: "member1"), in: f.realm.id)
            }
            try expectEqual(
                taken, .credentialTaken(.username, of: Credentials(username: "member1"), row: 0, rows: 1),
                "the conflict names the credential")
        },
        .init(name: "an import hands over its members chunk by chunk, as they are stored") { factory in
            let f = try await Fixture.make(factory, members: 0)
            let rows = (0..<25).map { Credentials(username: "row\($0)", email: "row\($0)@example.com") }
            let created = try await MemberImports.load(rows, into: f.realm.id, store: f.store, chunkRows: 10)
            try expectEqual(created.map(\.credentials), rows, "one member per row, in order")
            let stored = try await f.store.members(in: f.realm.id, limit: 100)
            try expectEqual(Set(stored.map(\.id)), Set(created.map(\.id)), "the answered ids are the stored ones")
            _ = try await expectTallyError(.validation, "an invalid row fails the whole import before any write") {
                _ = try await MemberImports.load(
                    [Credentials(username: "fine"), Credentials(username: "bad\u{1}")], into: f.realm.id,
                    store: f.store)
            }
            try expectEqual(try await f.store.members(in: f.realm.id, limit: 100).count, 25, "nothing more stored")
        },
        .init(name: "key writes go through perform and replay under an idempotency claim") { factory in
            let f = try await Fixture.make(factory, members: 0)
            let issued = try await f.store.issueKey(realm: f.realm.id, name: "bot", ids: IDGenerator())
            let revoke = try await f.store.perform(.revokeKey(issued.key.id), idempotency: try claim("revoke"))
            guard case .performed(.key(let revoked), .some(let answer)) = revoke else {
                throw ConformanceFailure("the revocation must perform, got \(revoke)")
            }
            try expectTrue(revoked.isRevoked, "revoked")
            try expectEqual(
                try await f.store.perform(.revokeKey(issued.key.id), idempotency: try claim("revoke")),
                .replayed(answer), "revocation replays")
            let later = try await f.store.revokeKey(issued.key.id)
            try expectEqual(later.revokedAtMilliseconds, revoked.revokedAtMilliseconds, "the first revocation stays")
        },
        .init(name: "a key with an invalid name is refused before anything is stored") { factory in
            let f = try await Fixture.make(factory, members: 0)
            _ = try await expectTallyError(.validation, "an empty name") {
                _ = try await f.store.issueKey(realm: f.realm.id, name: "", ids: IDGenerator())
            }
            try expectEqual(try await f.store.keys(in: nil).count, 0, "no key stored")
        },
    ]

    static func claim(_ key: String) throws -> IdempotencyClaim {
        try IdempotencyClaim(scope: "writes", key: key, requestHash: Hashing.sha256(Array(key.utf8))) { result in
            StoredResponse(status: 200, body: Array("\(result)".utf8))
        }
    }
}
