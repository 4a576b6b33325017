import TallyCore

/// Currency updates, archiving and transfers.
enum CurrencyCases {
    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "currency updates keep one default and never strand a balance outside its limits") { factory in
            let f = try await Fixture.make(factory)
            _ = try await f.store.apply(try f.batch([(0, 50)]))
            var patch = CurrencyPatch()
            patch.maximumBalance = .some(49)
            _ = try await expectTallyError(.validation, "a ceiling below a balance") {
                _ = try await f.store.updateCurrency(f.points.id, in: f.realm.id, patch: patch)
            }
            patch.maximumBalance = .some(50)
            patch.emoji = .some("⭐")
            let updated = try await f.store.updateCurrency(f.points.id, in: f.realm.id, patch: patch)
            try expectEqual(updated.maximumBalance, 50, "ceiling set")
            try expectEqual(updated.emoji, "⭐", "emoji set")
            var clear = CurrencyPatch()
            clear.emoji = .some(nil)
            clear.maximumBalance = .some(nil)
            let cleared = try await f.store.updateCurrency(f.points.id, in: f.realm.id, patch: clear)
            try expectEqual(cleared.emoji, nil, "emoji cleared")
            try expectEqual(cleared.maximumBalance, nil, "ceiling cleared")
            let gems = try await f.store.createCurrency(CurrencyDraft(name: "Gems"), in: f.realm.id)
            var makeDefault = CurrencyPatch()
            makeDefault.isDefault = true
            _ = try await f.store.updateCurrency(gems.id, in: f.realm.id, patch: makeDefault)
            try expectEqual(
                try await f.store.currencies(in: f.realm.id).filter(\.isDefault).map(\.id), [gems.id], "one default")
            try await f.expectClean()
        },
        .init(name: "an archived currency refuses changes, loses its default flag, and comes back") { factory in
            let f = try await Fixture.make(factory)
            _ = try await f.store.apply(try f.batch([(0, 5)]))
            let archived = try await f.store.setCurrencyArchived(f.points.id, in: f.realm.id, archived: true)
            try expectTrue(archived.isArchived && !archived.isDefault, "archived and not default")
            _ = try await expectTallyError(.currencyNotFound, "explicit archived currency") {
                _ = try await f.store.apply(try f.batch([(0, 1)], currency: f.points.id))
            }
            _ = try await expectTallyError(.currencyNotFound, "no default any more") {
                _ = try await f.store.apply(try f.batch([(0, 1)]))
            }
            try expectEqual(try await f.balance(0), 5, "the balance stays")
            let active = try await f.store.listCurrencies(in: f.realm.id, query: CurrencyQuery(page: try PageRequest()))
            try expectEqual(active.total, 0, "archived currencies are hidden by default")
            let all = try await f.store.listCurrencies(
                in: f.realm.id, query: CurrencyQuery(page: try PageRequest(), includeArchived: true))
            try expectEqual(all.total, 1, "and listed on request")
            _ = try await f.store.setCurrencyArchived(f.points.id, in: f.realm.id, archived: false)
            _ = try await f.store.apply(try f.batch([(0, 1)], currency: f.points.id))
            try expectEqual(try await f.balance(0), 6, "usable again")
            try await f.expectClean()
        },
        .init(name: "a transfer moves points atomically and honours transferable") { factory in
            let f = try await Fixture.make(factory)
            _ = try await f.store.apply(try f.batch([(0, 10)]))
            let receipt = try await f.store.apply(
                try Transfer.batch(
                    realm: f.realm.id, sender: f.members[0].id, recipient: f.members[1].id, amount: 4, currency: nil,
                    initiatorID: "t"))
            try expectEqual(receipt.changes.map(\.balanceAfter), [6, 4], "sender then recipient")
            _ = try await expectTallyError(.insufficientBalance, "more than the sender has") {
                _ = try await f.store.apply(
                    try Transfer.batch(
                        realm: f.realm.id, sender: f.members[0].id, recipient: f.members[1].id, amount: 7,
                        currency: nil, initiatorID: nil))
            }
            let locked = try await f.store.createCurrency(
                CurrencyDraft(name: "Locked", isTransferable: false), in: f.realm.id)
            _ = try await f.store.apply(try f.batch([(0, 10)], currency: locked.id))
            _ = try await expectTallyError(.currencyNotTransferable, "non-transferable") {
                _ = try await f.store.apply(
                    try Transfer.batch(
                        realm: f.realm.id, sender: f.members[0].id, recipient: f.members[1].id, amount: 1,
                        currency: locked.id, initiatorID: nil))
            }
            try expectEqual(try await f.balance(0), 6, "sender")
            try expectEqual(try await f.balance(1), 4, "recipient")
            try await f.expectClean()
        },
        .init(name: "a realm subdomain is unique") { factory in
            let store = try await factory()
            _ = try await store.createRealm(RealmDraft(name: "A", subdomain: "guild"))
            _ = try await expectTallyError(.conflict, "taken subdomain") {
                _ = try await store.createRealm(RealmDraft(name: "B", subdomain: "guild"))
            }
        },
    ]
}
