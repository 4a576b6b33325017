import TallyCore

/// How an accepted batch applies.
enum BatchCases {
    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "a batch applies in order and reports each balance before and after") { factory in
            let f = try await Fixture.make(factory)
            let receipt = try await f.store.apply(try f.batch([(0, 100), (1, 50), (0, -30)], initiator: "bot-1"))
            try expectEqual(receipt.changes.count, 3, "one applied change per requested change")
            try expectEqual(receipt.changes.map(\.balanceBefore), [0, 0, 100], "balances before")
            try expectEqual(receipt.changes.map(\.balanceAfter), [100, 50, 70], "balances after")
            try expectEqual(
                receipt.changes.map(\.currencyID), [f.points.id, f.points.id, f.points.id], "default currency filled in"
            )
            try expectEqual(try await f.balance(0), 70, "member 0 balance")
            try expectEqual(try await f.balance(1), 50, "member 1 balance")
            try expectEqual(try await f.balance(2), 0, "an untouched balance is 0")
            let journal = try await f.store.journal(of: f.members[0].id, in: f.realm.id, limit: 10)
            try expectEqual(journal.map(\.amount), [-30, 100], "journal newest first")
            try expectEqual(journal.map(\.initiatorID), ["bot-1", "bot-1"], "initiator on every entry")
            try expectEqual(Set(journal.map(\.batchID)), [receipt.batchID], "batch id on every entry")
            try expectEqual(journal.map(\.id), [receipt.changes[2].entryID, receipt.changes[0].entryID], "entry ids")
            try await f.expectClean()
        },
        .init(name: "an explicit currency is used instead of the default") { factory in
            let f = try await Fixture.make(factory)
            let gems = try await f.store.createCurrency(CurrencyDraft(name: "Gems"), in: f.realm.id)
            _ = try await f.store.apply(try f.batch([(0, 7)], currency: gems.id))
            try expectEqual(try await f.balance(0, gems.id), 7, "gems balance")
            try expectEqual(try await f.balance(0), 0, "default currency untouched")
            try await f.expectClean()
        },
        .init(name: "making a new default currency clears the old default") { factory in
            let f = try await Fixture.make(factory)
            let gems = try await f.store.createCurrency(CurrencyDraft(name: "Gems", isDefault: true), in: f.realm.id)
            let defaults = try await f.store.currencies(in: f.realm.id).filter(\.isDefault).map(\.id)
            try expectEqual(defaults, [gems.id], "exactly one default")
            let receipt = try await f.store.apply(try f.batch([(0, 1)]))
            try expectEqual(receipt.changes[0].currencyID, gems.id, "the new default is used")
        },
        .init(name: "a balance may reach exactly its floor and its ceiling") { factory in
            let f = try await Fixture.make(
                factory,
                points: CurrencyDraft(name: "Capped", isDefault: true, minimumBalance: -10, maximumBalance: 100))
            let receipt = try await f.store.apply(try f.batch([(0, 100), (1, -10)]))
            try expectEqual(receipt.changes.map(\.balanceAfter), [100, -10], "boundaries are inclusive")
            try await f.expectClean()
        },
        .init(name: "a balance may reach Int64.max") { factory in
            let f = try await Fixture.make(factory)
            _ = try await f.store.apply(try f.batch([(0, Int64.max)]))
            try expectEqual(try await f.balance(0), Int64.max, "Int64.max stored exactly")
            try await f.expectClean()
        },
        .init(name: "a zero amount is journaled and changes nothing") { factory in
            let f = try await Fixture.make(factory)
            let receipt = try await f.store.apply(try f.batch([(0, 0)]))
            try expectEqual(receipt.changes[0].balanceAfter, 0, "balance after")
            try expectEqual(
                try await f.store.journal(of: f.members[0].id, in: f.realm.id, limit: 5).count, 1, "journaled")
            try await f.expectClean()
        },
        .init(name: "a member may appear many times in one batch, each change seeing the previous") { factory in
            let f = try await Fixture.make(factory)
            let receipt = try await f.store.apply(try f.batch([(0, 5), (0, 5), (0, -10), (0, 1)]))
            try expectEqual(receipt.changes.map(\.balanceBefore), [0, 5, 10, 0], "befores")
            try expectEqual(try await f.balance(0), 1, "final balance")
            try await f.expectClean()
        },
    ]
}
