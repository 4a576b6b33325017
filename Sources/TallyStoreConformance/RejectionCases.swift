import TallyCore

/// How a batch is rejected: the code, the details, the precedence, and that nothing leaks.
enum RejectionCases {
    /// Applies `batch` expecting `code`, then checks that no balance or journal entry changed.
    static func expectRejected(
        _ f: Fixture, _ batch: Batch, _ code: TallyError.Code, _ what: String, file: StaticString = #fileID,
        line: UInt = #line
    ) async throws -> TallyError {
        let before = try await state(f)
        let error = try await expectTallyError(code, what, file: file, line: line) {
            _ = try await f.store.apply(batch)
        }
        try expectEqual(try await state(f), before, "\(what): a rejected batch leaves no trace", file: file, line: line)
        try await f.expectClean(file: file, line: line)
        return error
    }

    /// Every balance and journal length the fixture can see.
    static func state(_ f: Fixture) async throws -> [String] {
        var rows = [String]()
        for currency in try await f.store.currencies(in: f.realm.id) {
            for member in f.members {
                let balance = try await f.store.balance(
                    BalanceKey(currencyID: currency.id, memberID: member.id), in: f.realm.id)
                rows.append("\(member.id)/\(currency.id)=\(balance)")
            }
        }
        for member in f.members {
            rows.append(
                "\(member.id) entries=\(try await f.store.journal(of: member.id, in: f.realm.id, limit: 10_000).count)")
        }
        return rows
    }

    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "an unknown member fails the whole batch with MEMBER_NOT_FOUND") { factory in
            let f = try await Fixture.make(factory)
            _ = try await f.store.apply(try f.batch([(0, 10)]))
            let ghost = MemberID("0123456789abcdef01234567")!
            let batch = try Batch(
                realmID: f.realm.id,
                changes: [Change(memberID: f.members[0].id, amount: 5), Change(memberID: ghost, amount: 1)])
            let error = try await expectRejected(f, batch, .memberNotFound, "unknown member")
            try expectEqual(error.details?["index"], .integer(1), "details.index")
            try expectEqual(error.details?["dripId"], .text(ghost.rawValue), "details.dripId")
            try expectTrue(
                error.message.contains("1") && error.message.contains(ghost.rawValue), "message names index and dripId")
            try expectTrue(!error.isMissingTarget, "a change of a batch is refused (400), not a missing target")
        },
        .init(name: "an unknown member of a single update or a transfer is a missing target, the party named") {
            factory in
            let f = try await Fixture.make(factory)
            _ = try await f.store.apply(try f.batch([(0, 10)]))
            let ghost = MemberID("0123456789abcdef01234567")!
            let single = try Batch(realmID: f.realm.id, changes: [Change(memberID: ghost, amount: 1)], kind: .single)
            let lone = try await expectRejected(f, single, .memberNotFound, "single update")
            try expectTrue(lone.isMissingTarget, "a single update's member is addressed (404)")
            try expectEqual(lone.details?["dripId"], .text(ghost.rawValue), "single: details.dripId")
            try expectEqual(lone.details?["index"], .integer(0), "single: details.index")
            for (sender, recipient, party) in [
                (f.members[0].id, ghost, "recipient"), (ghost, f.members[0].id, "sender"),
            ] {
                let transfer = try Transfer.batch(
                    realm: f.realm.id, sender: sender, recipient: recipient, amount: 1, currency: nil, initiatorID: nil)
                let error = try await expectRejected(f, transfer, .memberNotFound, "transfer, unknown \(party)")
                try expectTrue(error.isMissingTarget, "a transfer's \(party) is addressed (404)")
                try expectEqual(error.details?["party"], .text(party), "details.party")
                try expectEqual(error.details?["dripId"], .text(ghost.rawValue), "\(party): details.dripId")
                try expectTrue(error.message.contains(party), "the message names the \(party)")
            }
        },
        .init(name: "a member of another realm is not found") { factory in
            let f = try await Fixture.make(factory)
            let other = try await f.store.createRealm(name: "Other")
            let stranger = try await f.store.createMember(Credentials(username: "stranger"), in: other.id)
            let batch = try Batch(realmID: f.realm.id, changes: [Change(memberID: stranger.id, amount: 1)])
            _ = try await expectRejected(f, batch, .memberNotFound, "member of another realm")
        },
        .init(name: "an unknown currency or another realm's currency fails with CURRENCY_NOT_FOUND") { factory in
            let f = try await Fixture.make(factory)
            let other = try await f.store.createRealm(name: "Other")
            let foreign = try await f.store.createCurrency(CurrencyDraft(name: "Foreign"), in: other.id)
            for currency in [CurrencyID("0123456789abcdef01234567")!, foreign.id] {
                let error = try await expectRejected(
                    f, try f.batch([(0, 1)], currency: currency), .currencyNotFound, "currency \(currency)")
                try expectEqual(error.details?["currencyId"], .text(currency.rawValue), "details.currencyId")
            }
        },
        .init(name: "no default currency fails with CURRENCY_NOT_FOUND") { factory in
            let f = try await Fixture.make(factory, points: CurrencyDraft(name: "Not default"))
            _ = try await expectRejected(f, try f.batch([(0, 1)]), .currencyNotFound, "no default currency")
        },
        .init(name: "going below the floor fails with INSUFFICIENT_BALANCE and carries the balance") { factory in
            let f = try await Fixture.make(factory)
            _ = try await f.store.apply(try f.batch([(0, 10)]))
            let error = try await expectRejected(
                f, try f.batch([(1, 3), (0, -11)]), .insufficientBalance, "overdraft by 1")
            try expectEqual(error.details?["index"], .integer(1), "details.index")
            try expectEqual(error.details?["balance"], .integer(10), "details.balance")
            try expectEqual(error.details?["amount"], .integer(-11), "details.amount")
        },
        .init(name: "a negative floor is honoured to the point") { factory in
            let f = try await Fixture.make(
                factory, points: CurrencyDraft(name: "Credit", isDefault: true, minimumBalance: -100))
            _ = try await f.store.apply(try f.batch([(0, -100)]))
            _ = try await expectRejected(f, try f.batch([(0, -1)]), .insufficientBalance, "one below a negative floor")
        },
        .init(name: "going above the ceiling fails with BALANCE_LIMIT_EXCEEDED") { factory in
            let f = try await Fixture.make(
                factory, points: CurrencyDraft(name: "Capped", isDefault: true, maximumBalance: 100))
            _ = try await f.store.apply(try f.batch([(0, 60)]))
            _ = try await expectRejected(
                f, try f.batch([(0, 40), (0, 1)]), .balanceLimitExceeded, "one above the ceiling")
        },
        .init(name: "overflowing Int64 fails with AMOUNT_OVERFLOW") { factory in
            let f = try await Fixture.make(factory)
            _ = try await f.store.apply(try f.batch([(0, Int64.max)]))
            _ = try await expectRejected(f, try f.batch([(1, 5), (0, 1)]), .amountOverflow, "Int64.max + 1")
            let floorless = try await f.store.createCurrency(
                CurrencyDraft(name: "Floorless", minimumBalance: Int64.min), in: f.realm.id)
            _ = try await f.store.apply(try f.batch([(1, Int64.min)], currency: floorless.id))
            _ = try await expectRejected(
                f, try f.batch([(1, -1)], currency: floorless.id), .amountOverflow, "Int64.min - 1")
        },
        .init(name: "references are checked before amounts (documented precedence)") { factory in
            let f = try await Fixture.make(factory)
            // Change 0 would overdraw; change 1 names an unknown member: the reference error wins.
            let batch = try Batch(
                realmID: f.realm.id,
                changes: [
                    Change(memberID: f.members[0].id, amount: -5),
                    Change(memberID: MemberID("0123456789abcdef01234567")!, amount: 1),
                ])
            let error = try await expectRejected(f, batch, .memberNotFound, "reference before balance")
            try expectEqual(error.details?["index"], .integer(1), "the reference failure is reported")
        },
        .init(name: "an unknown realm is Not Found") { factory in
            let f = try await Fixture.make(factory)
            let batch = try Batch(
                realmID: RealmID("0123456789abcdef01234567")!, changes: [Change(memberID: f.members[0].id, amount: 1)])
            _ = try await expectTallyError(.notFound, "unknown realm") { _ = try await f.store.apply(batch) }
        },
    ]
}
