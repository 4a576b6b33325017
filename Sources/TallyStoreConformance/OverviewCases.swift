import TallyCore

/// A realm's overview: its member count and its activity per hour and currency, kept as writes
/// commit, the same on every store.
enum OverviewCases {
    static let start = TimeCases.start
    static let hour = Duration.seconds(3_600)

    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "the overview counts members, not ghost holders, and sums the journal per hour and currency") {
            factory in
            let time = TallyClock.Manual(start)
            let f = try await Fixture.make(factory, members: 3, clock: time.clock)
            let gems = try await f.store.createCurrency(CurrencyDraft(name: "Gems"), in: f.realm.id)
            let other = try await f.store.createRealm(name: "Other")
            _ = try await f.store.createMember(Credentials(username: "elsewhere"), in: other.id)
            let firstHour = ActivityHour.start(of: start.millisecondsSince1970)
            let empty = try await f.store.overview(of: f.realm.id, since: firstHour)
            try expectEqual(empty, RealmOverview(members: 3, activity: []), "before any change")

            _ = try await f.store.apply(try f.batch([(0, 5), (1, 10)]))
            _ = try await f.store.apply(try f.batch([(0, 3)], currency: gems.id))
            // A ghost credential's balance holder is no member, but its entries are activity.
            let ghost = try CredentialIdentity(kind: .twitterId, value: "300000001")
            _ = try await f.store.perform(
                .credential(
                    .create(
                        try CredentialDraft.social(provider: "twitter", providerID: ghost.value, username: "ghosty"),
                        realm: f.realm.id)), idempotency: nil)
            _ = try await f.store.perform(
                .credential(
                    .change(
                        try CredentialBatch(
                            realmID: f.realm.id, changes: [CredentialChange(identity: ghost, amount: 7)]))),
                idempotency: nil)
            // A refused batch moves nothing.
            _ = try await expectTallyError(.insufficientBalance, "taking more than member 2 has") {
                _ = try await f.store.apply(try f.batch([(2, -1)]))
            }
            time.advance(by: hour)
            _ = try await f.store.apply(try f.batch([(1, -4), (2, 6)]))
            _ = try await f.store.createMember(Credentials(username: "late"), in: f.realm.id)

            let secondHour = firstHour + ActivityHour.length
            let points = f.points.id
            let expected = [
                ActivityHour(hourStart: firstHour, currencyID: points, changes: 3, credited: 22, debited: 0),
                ActivityHour(hourStart: firstHour, currencyID: gems.id, changes: 1, credited: 3, debited: 0),
                ActivityHour(hourStart: secondHour, currencyID: points, changes: 2, credited: 6, debited: 4),
            ].sorted { ($0.hourStart, $0.currencyID.rawValue) < ($1.hourStart, $1.currencyID.rawValue) }
            let all = try await f.store.overview(of: f.realm.id, since: start.millisecondsSince1970)
            try expectEqual(all.members, 4, "members, the ghost's holder left out")
            try expectEqual(all.activity, expected, "activity from the first hour (since inside it)")
            let later = try await f.store.overview(of: f.realm.id, since: secondHour + 1)
            try expectEqual(later.activity, expected.filter { $0.hourStart == secondHour }, "from the second hour")
            let elsewhere = try await f.store.overview(of: other.id, since: firstHour)
            try expectEqual(elsewhere, RealmOverview(members: 1, activity: []), "another realm")
            _ = try await expectTallyError(.notFound, "an unknown realm") {
                _ = try await f.store.overview(of: RealmID("0123456789abcdef01234567")!, since: firstHour)
            }
        },
        .init(name: "imported members and loaded entries are in the overview") { factory in
            let time = TallyClock.Manual(start)
            let f = try await Fixture.make(factory, members: 0, clock: time.clock)
            _ = try await MemberImports.load(
                (0..<250).map { Credentials(username: "imported\($0)") },
                balances: (0..<250).map { [(currency: f.points, amount: Int64($0 % 7))] }, into: f.realm.id,
                store: f.store, chunkRows: 100, now: start.millisecondsSince1970)
            let overview = try await f.store.overview(of: f.realm.id, since: start.millisecondsSince1970)
            try expectEqual(overview.members, 250, "every imported member")
            let credited = Int64((0..<250).map { $0 % 7 }.reduce(0, +))
            try expectEqual(
                overview.activity.map(\.credited).reduce(0, +), credited, "the opening entries' points")
        },
    ]
}
