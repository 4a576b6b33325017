import Foundation
import Synchronization
import TallyCore

/// `LedgerExporter`: every record of the selection, as stored, in the contract's order, from one
/// snapshot while writers go on.
enum ExportCases {
    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "an export reads every record as stored, in the contract's order") { factory in
            let time = TallyClock.Manual(ExportLedger.start)
            let store = try await factory(clock: time.clock)
            let built = try await ExportLedger.build(on: store, time: time)
            let everything = ExportSelection(journal: true, keys: true)
            let records = try await export(store, everything)
            try expectOrdered(records)
            try expectEqual(try await store.exportRecordCount(everything), records.count, "the count of records")

            let blocks = try realmBlocks(records)
            try expectEqual(blocks.map(\.realm), [built.guild, built.other].sorted(), "realms by id")
            for block in blocks {
                try expectEqual(block.records.first, .realm(try await store.realm(block.realm)), "the realm as stored")
                try expectEqual(
                    block.currencies, try await store.currencies(in: block.realm).sorted { $0.id < $1.id },
                    "every currency of the realm, archived ones too")
            }
            let guild = blocks.first { $0.realm == built.guild }!
            try expectTrue(guild.currencies.contains { $0.isArchived }, "the archived currency is exported")

            // Members, without the balance holders of ghost credentials.
            for block in blocks {
                var members = [Member]()
                for id in built.members[block.realm] ?? [] {
                    members.append(try await store.memberDetails(id, in: block.realm).member)
                }
                try expectEqual(
                    block.members, members.sorted { $0.id < $1.id }, "the realm's members as stored, holders excluded")
            }
            var credentials = [GhostCredential]()
            for identity in built.credentials {
                credentials.append(try await store.credentialDetails(identity, in: built.guild).credential)
            }
            try expectEqual(guild.credentials, credentials.sorted { $0.id < $1.id }, "the ghost credentials as stored")
            try expectEqual(
                guild.credentials.filter(\.isLinked).count, 2, "one credential linked later, one created linked")
            let memberIDs = Set(guild.members.map(\.id))
            try expectTrue(
                guild.credentials.allSatisfy { !memberIDs.contains($0.holderID) }, "no holder comes as a member")

            for block in blocks {
                // Entries: what the journal holds of every member and holder, in commit order.
                var expected = [JournalEntry]()
                for id in block.members.map(\.id) {
                    expected += try await store.journal(of: id, in: block.realm, limit: 100)
                }
                for id in block.credentials.map(\.holderID) + block.holders.map(\.id) {
                    // A holder is not a member: one without entries reads as unknown.
                    do {
                        expected += try await store.journal(of: id, in: block.realm, limit: 100)
                    } catch let error as TallyError where error.code == .memberNotFound {}
                }
                try expectEqual(
                    block.entries, expected.sorted { $0.sequence < $1.sequence }, "the realm's journal in commit order")
                try expectChains(block)
                for balance in block.balances {
                    try expectEqual(
                        balance.balance,
                        try await store.balance(
                            BalanceKey(currencyID: balance.currencyID, memberID: balance.memberID), in: block.realm),
                        "the exported balance of \(balance.memberID) is the stored one")
                }
                try expectEqual(
                    block.keys, built.keys.filter { $0.realmID == block.realm }.sorted { $0.id < $1.id },
                    "the realm's keys as stored")
            }
            // Each applied change is an entry with the balances its receipt answered.
            let entries = blocks.flatMap(\.entries)
            let byID = Dictionary(uniqueKeysWithValues: entries.map { ($0.id, $0) })
            for receipt in built.receipts {
                for change in receipt.changes {
                    let entry = byID[change.entryID]
                    try expectEqual(entry?.batchID, receipt.batchID, "entry \(change.entryID)'s batch")
                    try expectEqual(
                        entry.map { [$0.amount, $0.balanceBefore, $0.balanceAfter] },
                        [change.amount, change.balanceBefore, change.balanceAfter], "entry \(change.entryID)")
                }
            }
            try expectEqual(
                entries.filter { $0.kind == .link }.count, 4, "the link moved two balances: one entry out, one in, each"
            )
            try expectEqual(guild.holders.count, 1, "the deleted credential's holder comes as a holder")
            try expectTrue(
                guild.balances.contains { $0.memberID == guild.holders.first?.id && $0.balance == 0 },
                "with its zero balance")
            let holders = Set(guild.credentials.map(\.holderID))
            try expectTrue(
                guild.balances.contains { holders.contains($0.memberID) && $0.balance == 40 },
                "the ghost's balance comes with the balances")
            try expectEqual(records.last, .key(built.keys[3]), "the admin key comes last, after every realm")
        },
        .init(name: "an export reads what is selected: one realm, the journal, keys; admin keys with every realm only")
        {
            factory in
            let time = TallyClock.Manual(ExportLedger.start)
            let store = try await factory(clock: time.clock)
            let built = try await ExportLedger.build(on: store, time: time)
            let full = try await export(store, ExportSelection(journal: true, keys: true))
            for selection in [
                ExportSelection(), ExportSelection(journal: true), ExportSelection(keys: true),
                ExportSelection(realm: built.guild, journal: true, keys: true), ExportSelection(realm: built.other),
                ExportSelection(realm: built.guild, keys: true),
            ] {
                let records = try await export(store, selection)
                let expected = full.filter { record in
                    switch record {
                    case .entry: guard selection.journal else { return false }
                    case .key: guard selection.keys else { return false }
                    default: break
                    }
                    guard let realm = selection.realm else { return true }
                    return realmID(of: record) == realm
                }
                try expectEqual(records, expected, "the records of \(selection)")
                try expectEqual(
                    try await store.exportRecordCount(selection), records.count, "the count of \(selection)")
            }
            let admin = try await export(store, ExportSelection(keys: true)).filter { realmID(of: $0) == nil }
            try expectEqual(admin, [.key(built.keys[3])], "admin keys with every realm")
            let realmKeys = try await export(store, ExportSelection(realm: built.guild, keys: true))
            try expectTrue(
                realmKeys.allSatisfy { realmID(of: $0) == built.guild }, "no admin key with a realm selected")
        },
        .init(name: "an export reads one snapshot while writers go on") { factory in
            let f = try await Fixture.make(factory, members: 4)
            // More entries and members than a page holds, so paging stores read several pages.
            for round in 0..<6 {
                _ = try await f.store.apply(try f.batch((0..<1_000).map { ($0 % 4, Int64(1 + round)) }))
            }
            _ = try await MemberImports.load(
                (0..<5_100).map { Credentials(username: "bulk\($0)") }, into: f.realm.id, store: f.store)
            let writer = Flags()
            let selection = ExportSelection(realm: f.realm.id, journal: true)
            let records = try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !writer.stop.load(ordering: .relaxed) {
                        _ = try await f.store.apply(try f.batch([(0, 1), (1, 2), (2, -1)]))
                        writer.committed.add(1, ordering: .relaxed)
                    }
                }
                let log = RecordLog()
                try await f.store.export(selection) { record in
                    // Between the journal and the balances, writers commit: none of it may show.
                    if case .balance = record, !writer.paused.exchange(true, ordering: .relaxed) {
                        Thread.sleep(forTimeInterval: 0.3)
                    }
                    log.append(record)
                }
                writer.stop.store(true, ordering: .relaxed)
                try await group.waitForAll()
                return log.records
            }
            let block = try realmBlocks(records)[0]
            try expectChains(block)
            try expectEqual(block.members.count, 5_104, "every member")
            let stored = try await f.store.journal(of: f.members[0].id, in: f.realm.id, limit: 1)
            try expectTrue(
                writer.committed.load(ordering: .relaxed) == 0
                    || stored.first!.sequence > block.entries.last!.sequence,
                "the writes went on: the journal grew past the export")
            try await f.expectClean()
        },
        .init(name: "an unknown realm is Not Found; an error of the record closure stops the export as it was") {
            factory in
            let f = try await Fixture.make(factory)
            _ = try await f.store.apply(try f.batch([(0, 5), (1, 6)]))
            let unknown = RealmID("0123456789abcdef01234567")!
            let log = RecordLog()
            let error = try await expectTallyError(.notFound, "an unknown realm") {
                try await f.store.export(ExportSelection(realm: unknown, journal: true)) { log.append($0) }
            }
            try expectEqual(error, .realmNotFound(unknown), "the error names the realm")
            try expectEqual(log.records, [], "nothing is read of an unknown realm")
            try expectEqual(try await f.store.exportRecordCount(ExportSelection(realm: unknown)), 0, "its count")

            struct Stop: Error, Equatable {}
            let stopped = RecordLog()
            do {
                try await f.store.export(ExportSelection(journal: true)) { record in
                    if case .member = record { throw Stop() }
                    stopped.append(record)
                }
                throw ConformanceFailure("the export went on after its record closure threw")
            } catch is Stop {}
            try expectEqual(
                stopped.records.map(kind), ["realm", "currency"], "nothing is read once the closure throws")
        },
    ]

    /// Every record `selection` exports.
    static func export(_ store: any LedgerStore, _ selection: ExportSelection) async throws -> [StoredRecord] {
        let log = RecordLog()
        try await store.export(selection) { log.append($0) }
        return log.records
    }

    /// The records of one realm, by kind.
    struct RealmBlock {
        let realm: RealmID
        var records = [StoredRecord]()

        var currencies: [Currency] { records.compactMap { if case .currency(let c) = $0 { c } else { nil } } }
        var members: [Member] { records.compactMap { if case .member(let m) = $0 { m } else { nil } } }
        var credentials: [GhostCredential] {
            records.compactMap { if case .credential(let g) = $0 { g } else { nil } }
        }
        var holders: [BalanceHolder] { records.compactMap { if case .holder(let h) = $0 { h } else { nil } } }
        var entries: [JournalEntry] { records.compactMap { if case .entry(let e) = $0 { e } else { nil } } }
        var balances: [StoredBalance] { records.compactMap { if case .balance(let b) = $0 { b } else { nil } } }
        var keys: [APIKey] {
            records.compactMap { if case .key(let k) = $0, k.realmID != nil { k } else { nil } }
        }
    }

    /// The records split at each realm (admin keys left out).
    static func realmBlocks(_ records: [StoredRecord]) throws -> [RealmBlock] {
        var blocks = [RealmBlock]()
        for record in records {
            if case .realm(let realm) = record { blocks.append(RealmBlock(realm: realm.id)) }
            guard realmID(of: record) != nil else { continue }
            guard !blocks.isEmpty else { throw ConformanceFailure("a record before any realm: \(record)") }
            blocks[blocks.count - 1].records.append(record)
        }
        return blocks
    }

    /// The order of the contract: realms by id, each followed by its records kind by kind (each
    /// kind in its own order), then the admin keys by id.
    static func expectOrdered(_ records: [StoredRecord]) throws {
        let kinds = ["realm", "currency", "member", "credential", "holder", "entry", "balance", "key"]
        var previous: StoredRecord?
        var realm: RealmID?
        for record in records {
            defer { previous = record }
            let owner = realmID(of: record)
            if let previous, realmID(of: previous) == nil, owner != nil {
                throw ConformanceFailure("\(kind(record)) \(sortKey(record)) after the admin keys")
            }
            if case .realm(let next) = record {
                let before = realm?.rawValue ?? "none"
                try expectTrue(realm.map { $0 < next.id } ?? true, "realms by id: \(next.id) after \(before)")
                realm = next.id
                continue
            }
            guard let previous else { throw ConformanceFailure("the first record is not a realm: \(record)") }
            guard let owner else {
                if realmID(of: previous) == nil {
                    try expectTrue(sortKey(previous) < sortKey(record), "admin keys by id")
                }
                continue
            }
            try expectEqual(owner, realm, "\(kind(record)) \(sortKey(record)) inside its realm")
            let (was, now) = (kinds.firstIndex(of: kind(previous))!, kinds.firstIndex(of: kind(record))!)
            try expectTrue(was <= now, "\(kind(record)) after \(kind(previous))")
            if was == now {
                try expectTrue(
                    sortKey(previous) < sortKey(record), "\(kind(record)) \(sortKey(record)) after \(sortKey(previous))"
                )
            }
        }
    }

    /// Each balance's entries chain (each before the previous after, the first from 0, each after
    /// its before plus its amount) and end at the exported balance, stamped with its last entry's
    /// time; and every balance has entries.
    static func expectChains(_ block: RealmBlock) throws {
        var last = [BalanceKey: JournalEntry]()
        for entry in block.entries {
            let key = BalanceKey(currencyID: entry.currencyID, memberID: entry.memberID)
            try expectEqual(entry.balanceBefore, last[key]?.balanceAfter ?? 0, "entry \(entry.id) starts the chain")
            try expectEqual(entry.balanceBefore + entry.amount, entry.balanceAfter, "entry \(entry.id)'s arithmetic")
            last[key] = entry
        }
        try expectEqual(
            Set(block.balances.map { BalanceKey(currencyID: $0.currencyID, memberID: $0.memberID) }), Set(last.keys),
            "a balance for every chain of entries")
        for balance in block.balances {
            let entry = last[BalanceKey(currencyID: balance.currencyID, memberID: balance.memberID)]
            try expectEqual(balance.balance, entry?.balanceAfter, "the balance of \(balance.memberID) ends its chain")
            try expectEqual(
                balance.updatedAtMilliseconds, entry?.createdAtMilliseconds, "\(balance.memberID) changed last then")
        }
    }

    static func kind(_ record: StoredRecord) -> String {
        switch record {
        case .realm: "realm"
        case .currency: "currency"
        case .member: "member"
        case .credential: "credential"
        case .holder: "holder"
        case .entry: "entry"
        case .balance: "balance"
        case .key: "key"
        }
    }

    static func realmID(of record: StoredRecord) -> RealmID? {
        switch record {
        case .realm(let realm): realm.id
        case .currency(let currency): currency.realmID
        case .member(let member): member.realmID
        case .credential(let credential): credential.realmID
        case .holder(let holder): holder.realmID
        case .entry(let entry): entry.realmID
        case .balance(let balance): balance.realmID
        case .key(let key): key.realmID
        }
    }

    /// What a kind is ordered by, as text that sorts the same way.
    static func sortKey(_ record: StoredRecord) -> String {
        switch record {
        case .realm(let realm): realm.id.rawValue
        case .currency(let currency): currency.id.rawValue
        case .member(let member): member.id.rawValue
        case .credential(let credential): credential.id.rawValue
        case .holder(let holder): holder.id.rawValue
        case .entry(let entry):
            String(repeating: "0", count: 20 - String(entry.sequence).count) + String(entry.sequence)
        case .balance(let balance): balance.memberID.rawValue + balance.currencyID.rawValue
        case .key(let key): key.id.rawValue
        }
    }
}

/// What the snapshot case's writer and export tell each other.
final class Flags: Sendable {
    /// Batches the writer committed.
    let committed = Atomic<Int>(0)
    /// Set once the export is done: the writer stops.
    let stop = Atomic<Bool>(false)
    /// Set once the export has paused for the writer.
    let paused = Atomic<Bool>(false)
}

/// The records an export handed over, kept in order.
final class RecordLog: Sendable {
    private let state = Mutex<[StoredRecord]>([])

    func append(_ record: StoredRecord) { state.withLock { $0.append(record) } }

    var records: [StoredRecord] { state.withLock { $0 } }
}
