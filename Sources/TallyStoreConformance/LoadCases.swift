import Foundation
import TallyCore

/// Loading a file (`LedgerLoader`): records go in as given, in one transaction, and a failure
/// anywhere leaves nothing behind and names the line.
enum LoadCases {
    static let all: [LedgerStoreConformance.Case] = [
        .init(name: "a load writes every record as given") { factory in
            let store = try await factory()
            let file = LoadedRealm()
            let summary = try await store.load(ChunkList(file.chunks))
            try expectEqual(summary.members, 2, "members loaded")
            try expectEqual(summary.entries, 3, "entries loaded")
            try expectEqual(try await store.realm(file.realm.id), file.realm, "the realm as given")
            let currency = try await store.currency(file.currency.id, in: file.realm.id)
            try expectEqual(currency, file.currency, "the currency as given, update time too")
            try expectEqual(
                try await store.currency(file.archived.id, in: file.realm.id), file.archived,
                "an archived currency as given")
            let ann = try await store.memberDetails(file.members[0].id, in: file.realm.id)
            try expectEqual(ann.member, file.members[0], "the member as given, times and metadata too")
            try expectEqual(ann.balances.map(\.balance), [7], "the member's balance")
            let journal = try await store.journal(of: file.members[0].id, in: file.realm.id, limit: 10)
            try expectEqual(
                journal.map(\.id), file.entries.filter { $0.memberID == file.members[0].id }.reversed().map(\.id),
                "the member's entries, newest first, with their ids")
            try expectEqual(journal.first?.createdAtMilliseconds, 3_000, "an entry keeps its time")
            try expectEqual(journal.first?.kind, .imported, "an entry keeps its kind")
            let ghost = try await store.credentialDetails(file.ghost.identity, in: file.realm.id)
            try expectEqual(ghost.credential.id, file.ghost.id, "the ghost credential")
            try expectEqual(ghost.balances.map(\.balance), [2], "the ghost's balance, held by its holder")
            try expectEqual(try await store.keys(in: file.realm.id), [file.key], "the key, only its hash")
            let report = try await store.verify { _ in }
            try expectTrue(report.isClean, "the loaded books balance: \(report.violations)")
            // Batches after a load chain on from the loaded balances.
            let receipt = try await store.apply(
                try Batch(realmID: file.realm.id, changes: [Change(memberID: file.members[0].id, amount: 1)]))
            try expectEqual(receipt.changes.first?.balanceAfter, 8, "a batch after the load")
        },
        .init(name: "a load that fails part way leaves nothing") { factory in
            let store = try await factory()
            let file = LoadedRealm()
            struct Cut: Error {}
            _ = try await expectTallyError(.unavailable, "a source that fails after some chunks") {
                _ = try await store.load(ChunkList(file.chunks, thenThrow: TallyError.unavailable))
            }
            try await expectNothingOf(file, in: store)
            // The same file loads whole afterwards: nothing of the failed load was left to clash.
            _ = try await store.load(ChunkList(file.chunks))
            try expectEqual(try await store.realms().count, 1, "the realm after a clean load")
        },
        .init(name: "a clash deep in a large chunk names its line and leaves nothing") { factory in
            let store = try await factory()
            let file = LoadedRealm()
            var balances = (0..<2_500).map { index in
                Lined(
                    StoredBalance(
                        realmID: file.realm.id, memberID: file.holders[index].id, currencyID: file.currency.id,
                        balance: 0, updatedAtMilliseconds: 1_000), line: 100 + index)
            }
            balances[2_100] = Lined(balances[1_500].value, line: 2_200)  // the same balance twice
            let chunks: [LoadChunk] = [
                .realm(Lined(file.realm, line: 2)), .currencies([Lined(file.currency, line: 3)]),
                .members(file.holders.enumerated().map { Lined($0.element, line: 10_000 + $0.offset) }),
                .balances(balances),
            ]
            let error = try await expectTallyError(.conflict, "a balance twice") {
                _ = try await store.load(ChunkList(chunks))
            }
            try expectTrue(error.message.hasPrefix("Line 2200:"), "the message names the line: \(error.message)")
            try await expectNothingOf(file, in: store)
        },
        .init(name: "a load refuses what the database already holds, naming the line") { factory in
            let store = try await factory()
            let file = LoadedRealm()
            _ = try await store.load(ChunkList(file.chunks))
            let again = try await expectTallyError(.conflict, "the same realm twice") {
                _ = try await store.load(ChunkList(file.chunks))
            }
            try expectTrue(again.message.hasPrefix("Line 2:"), "names the realm's line: \(again.message)")
            // A second realm whose member repeats an earlier member's username within the file.
            let other = LoadedRealm(realm: "bbbbbbbbbbbbbbbbbbbbbbb1")
            var members = other.members.enumerated().map { Lined($0.element, line: 20 + $0.offset) }
            members.append(
                Lined(
                    Member(
                        id: MemberID("bbbbbbbbbbbbbbbbbbbbbbb9")!, realmID: other.realm.id,
                        credentials: Credentials(username: "ann"), createdAtMilliseconds: 1_000), line: 31))
            let clash = try await expectTallyError(.conflict, "a username twice in one file") {
                _ = try await store.load(
                    ChunkList([.realm(Lined(other.realm, line: 2)), .members(members)]))
            }
            try expectTrue(clash.message.hasPrefix("Line 31:"), "names the second member's line: \(clash.message)")
            try expectEqual(try await store.realms().map(\.id), [file.realm.id], "the failed realm left nothing")
            _ = try await expectTallyError(.notFound, "an existing realm that is not there") {
                _ = try await store.load(ChunkList([.existingRealm(other.realm.id)]))
            }
        },
    ]

    /// Fails unless the store holds nothing of `file`.
    static func expectNothingOf(_ file: LoadedRealm, in store: any LedgerStore) async throws {
        try expectEqual(try await store.realms().count, 0, "no realm of the failed load stays")
        let report = try await store.verify { _ in }
        try expectEqual(report.entriesChecked, 0, "no entry of the failed load stays")
        try expectEqual(report.balancesChecked, 0, "no balance of the failed load stays")
    }
}

/// Chunks handed out in order, then optionally an error.
final class ChunkList: LoadSource, @unchecked Sendable {
    private var chunks: [LoadChunk]
    private let error: (any Error)?

    init(_ chunks: [LoadChunk], thenThrow error: (any Error)? = nil) {
        self.chunks = chunks
        self.error = error
    }

    func next() throws -> LoadChunk? {
        if chunks.isEmpty, let error { throw error }
        return chunks.isEmpty ? nil : chunks.removeFirst()
    }
}

/// A small realm as an export would carry it, with fixed ids and times.
struct LoadedRealm {
    let realm: Realm
    let currency: Currency
    /// An archived currency.
    let archived: Currency
    let members: [Member]
    let ghost: GhostCredential
    let entries: [JournalEntry]
    let balances: [StoredBalance]
    let key: APIKey
    /// Members that hold nothing, for large chunks.
    let holders: [Member]

    init(realm id: String = "aaaaaaaaaaaaaaaaaaaaaaa1") {
        let realmID = RealmID(id)!
        func hex(_ prefix: String, _ number: Int) -> String {
            let digits = String(number, radix: 16)
            return prefix + String(repeating: "0", count: 24 - prefix.count - digits.count) + digits
        }
        realm = Realm(
            id: realmID, name: "Loaded", description: "from a file", subdomain: "loaded-\(id.suffix(4))",
            createdAtMilliseconds: 1_000, updatedAtMilliseconds: 1_500)
        currency = Currency(
            id: CurrencyID(hex("c", 1))!, realmID: realmID, name: "Gems", emoji: "💎",
            metadata: .object(["a": .integer(1)]),
            isDefault: true, minimumBalance: -5, maximumBalance: 100, isTransferable: false,
            createdAtMilliseconds: 1_000, updatedAtMilliseconds: 2_500)
        archived = Currency(
            id: CurrencyID(hex("c", 2))!, realmID: realmID, name: "Old", emoji: nil, isDefault: false,
            archivedAtMilliseconds: 2_600, minimumBalance: 0, maximumBalance: nil, isTransferable: true,
            createdAtMilliseconds: 1_000, updatedAtMilliseconds: 2_600)
        members = [
            Member(
                id: MemberID(hex("d", 1))!, realmID: realmID,
                credentials: Credentials(username: "ann", email: "Ann@Example.com"),
                metadata: .object(["level": .integer(3)]), createdAtMilliseconds: 1_100, updatedAtMilliseconds: 1_200),
            Member(
                id: MemberID(hex("d", 2))!, realmID: realmID,
                credentials: Credentials(discordId: "1190194345295482952"),
                createdAtMilliseconds: 1_100),
        ]
        ghost = GhostCredential(
            id: CredentialID(hex("e", 1))!, realmID: realmID,
            identity: try! CredentialIdentity(kind: .discordId, value: "555"), createdAtMilliseconds: 1_300)
        let batch = BatchID(hex("b", 1))!
        func entry(
            _ number: Int, _ member: MemberID, _ before: Int64, _ amount: Int64, _ kind: EntryKind, at time: Int64
        )
            -> JournalEntry
        {
            JournalEntry(
                id: JournalEntryID(hex("f", number))!, sequence: 0, realmID: realmID, memberID: member,
                currencyID: CurrencyID(hex("c", 1))!, amount: amount, balanceBefore: before,
                balanceAfter: before + amount, batchID: batch, initiatorID: number == 1 ? "bot" : nil, kind: kind,
                createdAtMilliseconds: time)
        }
        entries = [
            entry(1, members[0].id, 0, 10, .batch, at: 2_000),
            entry(2, ghost.holderID, 0, 2, .single, at: 2_100),
            entry(3, members[0].id, 10, -3, .imported, at: 3_000),
        ]
        balances = [
            StoredBalance(
                realmID: realmID, memberID: members[0].id, currencyID: currency.id, balance: 7,
                updatedAtMilliseconds: 3_000),
            StoredBalance(
                realmID: realmID, memberID: ghost.holderID, currencyID: currency.id, balance: 2,
                updatedAtMilliseconds: 2_100),
        ]
        key = APIKey(
            id: KeyID(hex("a", 1))!, realmID: realmID, name: "bot", scopes: [.realmRead],
            secretHash: Array(repeating: 7, count: 32), createdAtMilliseconds: 1_000, revokedAtMilliseconds: 4_000)
        holders = (0..<2_500).map { index in
            Member(
                id: MemberID(hex("9", index))!, realmID: realmID, credentials: Credentials(username: "holder\(index)"),
                createdAtMilliseconds: 1_000)
        }
    }

    /// The realm as chunks, with made-up line numbers.
    var chunks: [LoadChunk] {
        [
            .realm(Lined(realm, line: 2)), .currencies([Lined(currency, line: 3), Lined(archived, line: 4)]),
            .members(members.enumerated().map { Lined($0.element, line: 4 + $0.offset) }),
            .credentials([Lined(ghost, line: 6)]),
            .entries(entries.enumerated().map { Lined($0.element, line: 7 + $0.offset) }),
            .balances(balances.enumerated().map { Lined($0.element, line: 10 + $0.offset) }),
            .keys([Lined(key, line: 12)]),
        ]
    }
}
