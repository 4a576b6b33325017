import TallyCore

/// Every committed write records its event in the same transaction (docs/EVENTS.md): one per
/// write, numbered 1, 2, 3, ... in its realm with no gap, carrying what the journal holds; a
/// rejected write records nothing.
enum EventCases {
    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "every kind of write records one event, numbered 1, 2, 3 in its realm, as the journal says") {
            factory in
            let f = try await Fixture.make(factory)
            // The fixture: the currency, then three members.
            var expected: [EventType] = [.currencyCreated, .memberJoined, .memberJoined, .memberJoined]
            let awarded = try await f.store.apply(try f.batch([(0, 10), (1, 5)], initiator: "bot"))
            let deducted = try await f.store.apply(try f.batch([(0, -3)]))
            let transfer = try await f.store.apply(
                try Transfer.batch(
                    realm: f.realm.id, sender: f.members[0].id, recipient: f.members[1].id, amount: 2, currency: nil,
                    initiatorID: nil))
            _ = try await f.store.apply(try f.batch([(2, 1), (1, -1)]))
            expected += [.pointsAwarded, .pointsDeducted, .pointsUpdated, .pointsUpdated]
            var patch = CurrencyPatch()
            patch.name = "Stars"
            _ = try await f.store.updateCurrency(f.points.id, in: f.realm.id, patch: patch)
            _ = try await f.store.setCurrencyArchived(f.points.id, in: f.realm.id, archived: true)
            _ = try await f.store.setCurrencyArchived(f.points.id, in: f.realm.id, archived: true)
            _ = try await f.store.setCurrencyArchived(f.points.id, in: f.realm.id, archived: false)
            expected += [.currencyUpdated, .currencyArchived, .currencyUnarchived]
            try await f.store.setMemberMetadata(["a": 1], of: f.members[0].id, in: f.realm.id)
            let joined = try await f.store.createMember(Credentials(username: "late"), in: f.realm.id)
            expected.append(.memberJoined)

            let events = try await f.store.events(in: f.realm.id, after: 0, limit: 100, types: nil)
            try expectEqual(events.map(\.sequence), Array(1...Int64(expected.count)), "sequence numbers")
            try expectEqual(events.map(\.type), expected, "types, one per write, in commit order")
            try expectEqual(Set(events.map(\.id)).count, events.count, "distinct ids")
            try expectTrue(events.allSatisfy { $0.realmID == f.realm.id }, "all in the realm")

            try expectEqual(events[1].data["dripId"], .string(f.members[0].id.rawValue), "member.joined's dripId")
            try expectEqual(events[1].data["username"], .string("member0"), "member.joined's username")
            try expectEqual(events[11].data["dripId"], .string(joined.id.rawValue), "the late member")
            try expectEqual(events[0].data["currencyId"], .string(f.points.id.rawValue), "currency.created's id")
            try expectEqual(events[8].data["name"], .string("Stars"), "currency.updated carries the currency after")
            try expectEqual(events[9].data["archived"], .bool(true), "currency.archived")
            try expectEqual(events[10].data["archived"], .bool(false), "currency.unarchived")

            // A points event carries every change as the journal holds it.
            for (event, receipt) in [(events[4], awarded), (events[5], deducted), (events[6], transfer)] {
                try expectEqual(event.data["batchId"], .string(receipt.batchID.rawValue), "batchId")
                guard case .array(let changes) = event.data["changes"] else {
                    throw ConformanceFailure("changes must be an array: \(event.data)")
                }
                try expectEqual(changes.count, receipt.changes.count, "one change per journal entry")
                for (change, applied) in zip(changes, receipt.changes) {
                    let entries = try await f.store.journal(of: applied.memberID, in: f.realm.id, limit: 100)
                    guard let entry = entries.first(where: { $0.id == applied.entryID }) else {
                        throw ConformanceFailure("entry \(applied.entryID) is not in the journal")
                    }
                    let stored: JSONValue = [
                        "dripId": .string(entry.memberID.rawValue), "currencyId": .string(entry.currencyID.rawValue),
                        "amount": .integer(entry.amount), "balanceBefore": .integer(entry.balanceBefore),
                        "balanceAfter": .integer(entry.balanceAfter), "entryId": .string(entry.id.rawValue),
                    ]
                    try expectEqual(change, stored, "a change as the journal holds it")
                    try expectEqual(
                        event.data["initiatorId"], entry.initiatorID.map(JSONValue.string) ?? .null, "initiatorId")
                    try expectEqual(event.data["kind"], .string(entry.kind.rawValue), "kind")
                }
            }
            try expectEqual(events[6].data["kind"], .string("transfer"), "a transfer's kind")

            let page = try await f.store.events(in: f.realm.id, after: 5, limit: 2, types: nil)
            try expectEqual(page.map(\.sequence), [6, 7], "a page after a cursor")
            let joins = try await f.store.events(in: f.realm.id, after: 0, limit: 100, types: [.memberJoined])
            try expectEqual(joins.map(\.sequence), [2, 3, 4, 12], "only the types asked for")
            try expectEqual(
                try await f.store.events(in: f.realm.id, after: 12, limit: 100, types: nil), [], "nothing after the end"
            )
        },
        .init(name: "a member import records one member.joined per member it creates") { factory in
            let f = try await Fixture.make(factory, members: 0)
            let members = try await MemberImports.load(
                (0..<150).map { Credentials(username: "imported\($0)") }, into: f.realm.id, store: f.store,
                chunkRows: 40)
            let events = try await f.store.events(in: f.realm.id, after: 1, limit: 1_000, types: nil)
            try expectEqual(events.map(\.sequence), Array(2...151), "one event per member, gapless")
            try expectTrue(events.allSatisfy { $0.type == .memberJoined }, "all member.joined")
            try expectEqual(
                Set(
                    events.compactMap { event -> String? in
                        guard case .string(let id) = event.data["dripId"] else { return nil }
                        return id
                    }), Set(members.map(\.id.rawValue)), "every imported member, once")
        },
        .init(name: "a rejected write records nothing and leaves no gap") { factory in
            let f = try await Fixture.make(factory)
            _ = try await expectTallyError(.insufficientBalance, "an overdraft") {
                _ = try await f.store.apply(try f.batch([(0, 5), (1, -1)]))
            }
            _ = try await expectTallyError(.conflict, "a taken credential") {
                _ = try await f.store.createMember(Credentials(username: "member1"), in: f.realm.id)
            }
            _ = try await expectTallyError(.validation, "an invalid currency edit") {
                var patch = CurrencyPatch()
                patch.minimumBalance = 10
                patch.maximumBalance = 5
                _ = try await f.store.updateCurrency(f.points.id, in: f.realm.id, patch: patch)
            }
            try expectEqual(
                try await f.store.events(in: f.realm.id, after: 0, limit: 100, types: nil).count, 4,
                "only the fixture's events")
            _ = try await f.store.apply(try f.batch([(0, 1)]))
            let events = try await f.store.events(in: f.realm.id, after: 0, limit: 100, types: nil)
            try expectEqual(events.map(\.sequence), [1, 2, 3, 4, 5], "the next write takes the next number")
            try expectEqual(events[4].type, .pointsAwarded, "and it is the batch that committed")
        },
        .init(name: "each realm numbers its own events; an unknown realm's feed is Not Found") { factory in
            let f = try await Fixture.make(factory, members: 1)
            let other = try await f.store.createRealm(name: "Other")
            let otherPoints = try await f.store.createCurrency(
                CurrencyDraft(name: "Gems", isDefault: true), in: other.id)
            let stranger = try await f.store.createMember(Credentials(username: "stranger"), in: other.id)
            _ = try await f.store.apply(try f.batch([(0, 3)]))
            _ = try await f.store.apply(
                try Batch(realmID: other.id, changes: [Change(memberID: stranger.id, amount: 4)]))
            let mine = try await f.store.events(in: f.realm.id, after: 0, limit: 100, types: nil)
            let theirs = try await f.store.events(in: other.id, after: 0, limit: 100, types: nil)
            try expectEqual(mine.map(\.sequence), [1, 2, 3], "this realm's numbers")
            try expectEqual(theirs.map(\.sequence), [1, 2, 3], "the other realm's own numbers")
            try expectEqual(
                theirs[0].data["currencyId"], .string(otherPoints.id.rawValue), "the other realm's currency")
            try expectTrue(theirs.allSatisfy { $0.realmID == other.id }, "no event crosses realms")
            let unknown = RealmID("0123456789abcdef01234567")!
            let error = try await expectTallyError(.notFound, "an unknown realm") {
                _ = try await f.store.events(in: unknown, after: 0, limit: 10, types: nil)
            }
            try expectEqual(error, .realmNotFound(unknown), "the realm's error")
        },
        .init(name: "concurrent writes, some rejected, number their events 1, 2, 3 with no gap or repeat") {
            factory in
            let f = try await Fixture.make(factory, members: 4)
            let store = f.store
            let batches = try (0..<40).map { index in
                // Every fifth one overdraws and is rejected.
                try f.batch([(index % 4, index % 5 == 0 ? -1_000 : 1)])
            }
            // Eight writers at a time, no more than a store's smallest pool serves at once: waiting
            // for a connection is not what this case is about.
            let writers = 8
            let committed = try await withThrowingTaskGroup(of: [BatchID].self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var ids = [BatchID]()
                        for index in stride(from: writer, to: batches.count, by: writers) {
                            do {
                                ids.append(try await store.apply(batches[index]).batchID)
                            } catch let error as TallyError where error.code == .insufficientBalance {}
                        }
                        return ids
                    }
                }
                var ids = Set<BatchID>()
                for try await part in group { ids.formUnion(part) }
                return ids
            }
            try expectEqual(committed.count, 32, "the writes that committed")
            // The fixture's currency and four members are 1 to 5.
            let events = try await store.events(in: f.realm.id, after: 5, limit: 1_000, types: nil)
            try expectEqual(events.map(\.sequence), Array(6...37), "gapless, no repeat")
            try expectEqual(
                Set(
                    events.compactMap { event -> BatchID? in
                        guard case .string(let id) = event.data["batchId"] else { return nil }
                        return BatchID(id)
                    }), committed, "one event per committed batch, none for a rejected one")
        },
    ]
}

extension JSONValue {
    /// The value under `key` of an object; nil for a missing key or a value that is no object.
    fileprivate subscript(key: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields[key]
    }
}
