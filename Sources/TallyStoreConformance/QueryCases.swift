import TallyCore

/// Reads: member lists, searches, the leaderboard, the journal, account lookups.
enum QueryCases {
    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "members list by page, sort and case-insensitive search, with balances") { factory in
            let f = try await Fixture.make(factory, members: 5)
            _ = try await f.store.apply(try f.batch([(1, 7)]))
            let page = try await f.store.listMembers(
                in: f.realm.id, query: MemberQuery(page: try PageRequest(page: 2, limit: 2)))
            try expectEqual(page.total, 5, "total")
            try expectEqual(page.totalPages, 3, "total pages")
            try expectEqual(
                page.items.map(\.member.id), [f.members[2].id, f.members[3].id], "second page in join order")
            let sorted = try await f.store.listMembers(
                in: f.realm.id,
                query: MemberQuery(page: try PageRequest(page: 1, limit: 5), sortField: .username, order: .descending))
            try expectEqual(
                sorted.items.map(\.member.credentials.username),
                ["member4", "member3", "member2", "member1", "member0"], "sorted")
            let searched = try await f.store.listMembers(
                in: f.realm.id, query: MemberQuery(page: try PageRequest(), search: "MEMBER1"))
            try expectEqual(searched.items.map(\.member.id), [f.members[1].id], "search")
            try expectEqual(searched.items[0].balances.map(\.balance), [7], "balances come with members")
            try expectEqual(searched.items[0].balances.map(\.currency.id), [f.points.id], "balance currency")
            let literal = try await f.store.listMembers(
                in: f.realm.id, query: MemberQuery(page: try PageRequest(), search: "_"))
            try expectEqual(literal.total, 0, "LIKE wildcards match literally")
        },
        .init(name: "search matches exact credentials and drip ids, only in the realm") { factory in
            let f = try await Fixture.make(factory, members: 2)
            let other = try await f.store.createRealm(name: "Other")
            _ = try await f.store.createMember(Credentials(username: "member0"), in: other.id)
            let byName = try await f.store.searchMembers(
                in: f.realm.id, kind: .username, values: ["member0", "member1", "nobody"], page: try PageRequest())
            try expectEqual(byName.items.map(\.member.id), [f.members[0].id, f.members[1].id], "usernames")
            let byID = try await f.store.searchMembers(
                in: f.realm.id, kind: .dripId, values: [f.members[1].id.rawValue.uppercased()], page: try PageRequest())
            try expectEqual(byID.items.map(\.member.id), [f.members[1].id], "drip id in any case")
            try expectEqual(
                try await f.store.findAccount(kind: .username, value: "member0", in: other.id) != nil, true,
                "found in its realm")
            try expectEqual(
                try await f.store.findAccount(kind: .email, value: "nobody@example.com", in: nil), nil, "not found")
        },
        .init(name: "the leaderboard ranks ties together and pages by cursor, even at Int64 extremes") { factory in
            let f = try await Fixture.make(
                factory, members: 6, points: CurrencyDraft(name: "Wide", isDefault: true, minimumBalance: Int64.min))
            let amounts: [Int64] = [Int64.max, 5, 5, 0, -3, Int64.min]
            _ = try await f.store.apply(try f.batch(amounts.enumerated().map { ($0.offset, $0.element) }))
            var entries = [LeaderboardEntry]()
            var cursor: LeaderboardCursor?
            var pages = 0
            repeat {
                let page = try await f.store.leaderboard(in: f.realm.id, currency: nil, after: cursor, take: 2)
                try expectEqual(page.totalCount, 6, "total count")
                entries += page.entries
                cursor =
                    page.hasNextPage
                    ? page.entries.last.map { LeaderboardCursor(balance: $0.balance, memberID: $0.member.id) } : nil
                pages += 1
            } while cursor != nil && pages < 10
            try expectEqual(entries.map(\.balance), amounts, "balances, highest first")
            try expectEqual(entries.map(\.rank), [1, 2, 2, 4, 5, 6], "competition ranking")
            _ = try await expectTallyError(.currencyNotFound, "unknown currency") {
                _ = try await f.store.leaderboard(
                    in: f.realm.id, currency: CurrencyID("0123456789abcdef01234567")!, after: nil, take: 5)
            }
        },
        .init(name: "the leaderboard's total counts each balance once as writes make them, less ghosts'") { factory in
            let f = try await Fixture.make(factory, members: 5)
            let gems = try await f.store.createCurrency(CurrencyDraft(name: "Gems"), in: f.realm.id)
            func totals() async throws -> [Int] {
                let points = try await f.store.leaderboard(in: f.realm.id, currency: nil, after: nil, take: 1)
                let inGems = try await f.store.leaderboard(in: f.realm.id, currency: gems.id, after: nil, take: 1)
                return [points.totalCount, inGems.totalCount]
            }
            try expectEqual(try await totals(), [0, 0], "no balance yet")
            _ = try await f.store.apply(try f.batch([(0, 5), (1, 2), (0, 1)]))
            try expectEqual(try await totals(), [2, 0], "two members' first balances, one touched twice")
            _ = try await f.store.apply(try f.batch([(1, 3), (2, 4)]))
            _ = try await f.store.apply(try f.batch([(3, 1)], currency: gems.id))
            try expectEqual(try await totals(), [3, 1], "one more in each currency; bob's second change adds none")
            _ = try await f.store.apply(try f.batch([(0, -6), (4, 1)]))
            try expectEqual(try await totals(), [4, 1], "a balance brought to 0 still counts")
            let ghost = try CredentialIdentity(kind: .twitterId, value: "300000002")
            _ = try await f.store.perform(
                .credential(
                    .change(
                        try CredentialBatch(
                            realmID: f.realm.id, changes: [CredentialChange(identity: ghost, amount: 9)]))),
                idempotency: nil)
            try expectEqual(try await totals(), [4, 1], "a ghost credential's balance is not on the leaderboard")
        },
        .init(name: "a member's journal pages newest first by cursor") { factory in
            let f = try await Fixture.make(factory, members: 2)
            for amount in 1...5 { _ = try await f.store.apply(try f.batch([(0, Int64(amount)), (1, 1)])) }
            let first = try await f.store.journal(of: f.members[0].id, in: f.realm.id, before: nil, limit: 2)
            try expectEqual(first.entries.map(\.amount), [5, 4], "newest first")
            let cursor = first.nextCursor.flatMap { Int64($0) }
            try expectTrue(cursor != nil, "a next cursor")
            let second = try await f.store.journal(of: f.members[0].id, in: f.realm.id, before: cursor, limit: 2)
            try expectEqual(second.entries.map(\.amount), [3, 2], "second page")
            let last = try await f.store.journal(
                of: f.members[0].id, in: f.realm.id, before: second.nextCursor.flatMap { Int64($0) }, limit: 2)
            try expectEqual(last.entries.map(\.amount), [1], "last page")
            try expectEqual(last.nextCursor, nil, "no cursor after the last page")
            try expectTrue(first.entries.allSatisfy { $0.memberID == f.members[0].id }, "only this member")
        },
        .init(name: "a read of one thing returns it or throws a 404, the realm's first") { factory in
            let f = try await Fixture.make(factory, members: 1)
            let ghostRealm = RealmID("0123456789abcdef01234567")!
            let ghostMember = MemberID("0123456789abcdef01234568")!
            let ghostCurrency = CurrencyID("0123456789abcdef01234569")!
            func expectNotFound(_ expected: TallyError, _ what: String, _ read: () async throws -> Void) async throws {
                let error = try await expectTallyError(expected.code, what, read)
                try expectEqual(error, expected, what)
                try expectTrue(error.isMissingTarget, "\(what): a missing target")
            }
            try expectEqual(try await f.store.realm(f.realm.id), f.realm, "a realm")
            try expectEqual(try await f.store.currency(f.points.id, in: f.realm.id), f.points, "a currency")
            try expectEqual(
                try await f.store.memberDetails(f.members[0].id, in: f.realm.id).member, f.members[0], "a member")
            try expectEqual(
                try await f.store.journal(of: f.members[0].id, in: f.realm.id, before: nil, limit: 5).entries, [],
                "a member without entries has an empty journal")
            try await expectNotFound(.realmNotFound(ghostRealm), "realm") { _ = try await f.store.realm(ghostRealm) }
            try await expectNotFound(.notFound(ghostCurrency, in: f.realm.id), "currency") {
                _ = try await f.store.currency(ghostCurrency, in: f.realm.id)
            }
            try await expectNotFound(.realmNotFound(ghostRealm), "currency of an unknown realm") {
                _ = try await f.store.currency(f.points.id, in: ghostRealm)
            }
            try await expectNotFound(.notFound(ghostMember, in: f.realm.id), "member") {
                _ = try await f.store.memberDetails(ghostMember, in: f.realm.id)
            }
            try await expectNotFound(.realmNotFound(ghostRealm), "member of an unknown realm") {
                _ = try await f.store.memberDetails(f.members[0].id, in: ghostRealm)
            }
            try await expectNotFound(.notFound(ghostMember, in: f.realm.id), "journal of an unknown member") {
                _ = try await f.store.journal(of: ghostMember, in: f.realm.id, before: nil, limit: 5)
            }
            try await expectNotFound(.realmNotFound(ghostRealm), "journal in an unknown realm") {
                _ = try await f.store.journal(of: f.members[0].id, in: ghostRealm, before: nil, limit: 5)
            }
        },
        .init(name: "Discord ids resolve to the realm's members, in chunks, and an unknown one fails as its kind says")
        {
            factory in
            let f = try await Fixture.make(factory, members: 0)
            let other = try await f.store.createRealm(name: "Other")
            let snowflakes = ["1190194345295482952", "1190194345295482953", "17", "18446744073709551615", "99"]
            var holders = [MemberID]()
            for snowflake in snowflakes {
                holders.append(try await f.store.createMember(Credentials(discordId: snowflake), in: f.realm.id).id)
            }
            let stranger = try await f.store.createMember(Credentials(discordId: "555"), in: other.id)
            let references: [MemberReference] =
                snowflakes.map { .discordID($0) } + [
                    .dripID(stranger.id), .discordID("555"), .discordID(snowflakes[0]),
                ]
            // Two at a time, so the five Discord ids take three searches.
            let found = try await f.store.memberIDs(
                of: references, in: f.realm.id, limits: Limits(pageSizeMax: 2, searchValuesMax: 2))
            try expectEqual(found, holders.map { Optional($0) } + [stranger.id, nil, holders[0]], "resolved in order")
            let changes = [
                ReferencedChange(member: .discordID(snowflakes[1]), amount: 5),
                ReferencedChange(member: .discordID("555"), amount: 7, currencyID: f.points.id),
            ]
            for (kind, addressed) in [(EntryKind.batch, false), (.single, true), (.transfer, true)] {
                let error = try await expectTallyError(.memberNotFound, "\(kind): another realm's Discord id") {
                    _ = try await f.store.resolve(changes, in: f.realm.id, kind: kind, limits: .standard)
                }
                try expectEqual(error.isMissingTarget, addressed, "\(kind): answered as its kind says")
                try expectEqual(error.details?["index"], .integer(1), "\(kind): details.index")
                try expectEqual(error.details?["discordId"], .text("555"), "\(kind): details.discordId")
                try expectEqual(error.details?["amount"], .integer(7), "\(kind): details.amount")
                try expectEqual(error.details?["currencyId"], .text(f.points.id.rawValue), "\(kind): currencyId")
            }
            let resolved = try await f.store.resolve(
                Array(changes.prefix(1)), in: f.realm.id, kind: .batch, limits: .standard)
            try expectEqual(resolved, [Change(memberID: holders[1], amount: 5)], "a resolved change")
            let lone = try await expectTallyError(.memberNotFound, "a path's unknown Discord id") {
                _ = try await f.store.memberID(of: .discordID("42"), in: f.realm.id, limits: .standard)
            }
            try expectTrue(lone.isMissingTarget, "a path's member is a missing target")
            try expectEqual(lone.details, ["discordId": .text("42")], "details name the Discord id")
            _ = try await expectTallyError(.notFound, "an unknown realm") {
                _ = try await f.store.memberID(
                    of: .discordID("17"), in: RealmID("0123456789abcdef01234567")!, limits: .standard)
            }
        },
        .init(name: "member metadata is replaced, and an unknown member is MEMBER_NOT_FOUND") { factory in
            let f = try await Fixture.make(factory, members: 1)
            try await f.store.setMemberMetadata(["level": 3, "tags": ["a", "b"]], of: f.members[0].id, in: f.realm.id)
            let details = try await f.store.memberDetails(f.members[0].id, in: f.realm.id)
            try expectEqual(details.member.metadata, ["level": 3, "tags": ["a", "b"]], "metadata stored")
            let unknown = try await expectTallyError(.memberNotFound, "unknown member") {
                try await f.store.setMemberMetadata([:], of: MemberID("0123456789abcdef01234567")!, in: f.realm.id)
            }
            try expectTrue(unknown.isMissingTarget, "the path's member is a missing target")
            _ = try await expectTallyError(.validation, "metadata must be an object") {
                try await f.store.setMemberMetadata([1, 2], of: f.members[0].id, in: f.realm.id)
            }
        },
    ]
}
