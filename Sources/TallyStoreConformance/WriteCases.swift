import TallyCore

/// Writes answer as stored and refuse unknown records with the one shared sentence.
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
        .init(name: "editing an unknown currency or member is Not Found, named in one sentence") { factory in
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
            let metadata = try await expectTallyError(.notFound, "metadata") {
                try await f.store.setMemberMetadata(["a": 1], of: ghostMember, in: f.realm.id)
            }
            try expectEqual(metadata, .notFound(ghostMember, in: f.realm.id), "metadata's error")
            let ghostRealm = RealmID("0123456789abcdef01234567")!
            let imported = try await expectTallyError(.notFound, "import into an unknown realm") {
                _ = try await f.store.importMembers([Credentials(username: "x")], in: ghostRealm) { _ in }
            }
            try expectEqual(imported, .realmNotFound(ghostRealm), "import's error")
            let taken = try await expectTallyError(.conflict, "a taken credential") {
                _ = try await f.store.createMember(Credentials(username: "member1"), in: f.realm.id)
            }
            try expectEqual(
                taken, .credentialTaken(.username, of: Credentials(username: "member1"), row: 0, rows: 1),
                "the conflict names the credential")
        },
    ]
}
