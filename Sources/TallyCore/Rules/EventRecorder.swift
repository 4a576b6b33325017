/// Which events a committed write records, and what they say (docs/EVENTS.md). One event per
/// write, never one per change: a batch, single update or transfer is one points event carrying
/// every change; a member created is `member.joined`; a currency created, changed, archived or
/// unarchived is one currency event. Realms, keys, member metadata and ghost-credential writes
/// record none (yet).
public enum EventRecorder {
    /// Events per INSERT statement when a write records many (a member import's chunk): six
    /// parameters each, well inside every engine's bound on parameters.
    public static let rowsPerInsert = 100

    /// The events `write` records, given what it produced. A currency edit that changed nothing
    /// records nothing: the store passes `changed: false` for it.
    public static func drafts(for write: PreparedWrite, result: LedgerWriteResult, changed: Bool = true)
        -> [EventDraft]
    {
        switch (write, result) {
        case (.apply(let batch, _, _), .receipt(let receipt)):
            return [points(batch, receipt)]
        case (.createMember, .member(let member)):
            return [joined(member)]
        case (.createCurrency, .currency(let currency)):
            return [currencyEvent(.currencyCreated, currency)]
        case (.editCurrency(_, _, let edit), .currency(let currency)):
            guard changed else { return [] }
            switch edit {
            case .patch: return [currencyEvent(.currencyUpdated, currency)]
            case .archive(true): return [currencyEvent(.currencyArchived, currency)]
            case .archive(false): return [currencyEvent(.currencyUnarchived, currency)]
            }
        default:
            return []
        }
    }

    /// The type of a points event: awarded when no change is negative, deducted when none is
    /// positive, updated when there are both (a transfer, a mixed batch).
    public static func pointsType(of amounts: some Sequence<Int64>) -> EventType {
        var credits = false
        var debits = false
        for amount in amounts {
            if amount > 0 { credits = true } else if amount < 0 { debits = true }
        }
        if credits && debits { return .pointsUpdated }
        return debits ? .pointsDeducted : .pointsAwarded
    }

    /// The points event of an applied batch: every change as the journal holds it.
    public static func points(_ batch: Batch, _ receipt: BatchReceipt) -> EventDraft {
        let changes = receipt.changes.map { change -> JSONValue in
            [
                "dripId": .string(change.memberID.rawValue), "currencyId": .string(change.currencyID.rawValue),
                "amount": .integer(change.amount), "balanceBefore": .integer(change.balanceBefore),
                "balanceAfter": .integer(change.balanceAfter), "entryId": .string(change.entryID.rawValue),
            ]
        }
        return EventDraft(
            realmID: batch.realmID, type: pointsType(of: receipt.changes.map(\.amount)),
            data: [
                "batchId": .string(receipt.batchID.rawValue),
                "initiatorId": batch.initiatorID.map(JSONValue.string) ?? .null,
                "kind": .string(batch.kind.rawValue), "changes": .array(changes),
            ])
    }

    /// `member.joined` for a member created by the API or by `tally member import`.
    public static func joined(_ member: Member) -> EventDraft {
        let credentials = member.credentials
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        return EventDraft(
            realmID: member.realmID, type: .memberJoined,
            data: [
                "dripId": .string(member.id.rawValue), "username": text(credentials.username),
                "discordId": text(credentials.discordId), "twitterId": text(credentials.twitterId),
                "wallet": text(credentials.wallet), "email": text(credentials.email),
            ])
    }

    /// A currency event: the currency as it is after the write.
    public static func currencyEvent(_ type: EventType, _ currency: Currency) -> EventDraft {
        EventDraft(
            realmID: currency.realmID, type: type,
            data: [
                "currencyId": .string(currency.id.rawValue), "name": .string(currency.name),
                "emoji": currency.emoji.map(JSONValue.string) ?? .null, "isDefault": .bool(currency.isDefault),
                "minimumBalance": .integer(currency.minimumBalance),
                "maximumBalance": currency.maximumBalance.map(JSONValue.integer) ?? .null,
                "isTransferable": .bool(currency.isTransferable), "archived": .bool(currency.isArchived),
            ])
    }

    /// The events of a load, chunk by chunk: a member import (a load into a realm that already
    /// exists, `tally member import`) records one `member.joined` per member it creates; a
    /// restore (`tally import`, which brings its realm with it) records none, and so neither
    /// does anything else a load brings (currencies, opening balances, entries).
    public struct Load: Sendable {
        private var intoExistingRealm = false

        /// A load's recorder, before its first chunk.
        public init() {}

        /// The events `chunk` records, once it is written.
        public mutating func drafts(for chunk: LoadChunk) -> [EventDraft] {
            switch chunk {
            case .existingRealm:
                intoExistingRealm = true
                return []
            case .members(let rows) where intoExistingRealm:
                return rows.map { EventRecorder.joined($0.value) }
            default:
                return []
            }
        }
    }
}
