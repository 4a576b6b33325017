/// The reads of one export, one statement at a time, in the order `LedgerExporter` fixes, so
/// that both stores read alike and only run what it says:
///
/// ```
/// var reads = ExportReads(selection, statements, pageSize: 5_000)
/// while let statement = reads.statement {
///     for row in rows(of: statement) { if let record = try reads.take(row) { try emit(record) } }
///     try reads.advance()
/// }
/// ```
///
/// Each realm is read by itself (`LIMIT 1` after the previous one), then its parts. With a page
/// size, every part is read in keyset pages, each an index range of the primary key: balances
/// by spans of the realm's balance holders (`exportBalanceSpan`), since no index orders them by
/// member. Without one, each part is one statement, for an engine that streams its rows.
public struct ExportReads: Sendable {
    /// The page size the PostgreSQL store reads with.
    public static let pageSizeStandard = 5_000

    private enum Phase: Sendable, Equatable {
        /// The next realm after this one (the selected realm, when there is one).
        case realm(after: RealmID?)
        /// A page of the realm's part.
        case part(RealmID, ExportPart, after: ExportCursor?)
        /// The end of the next span of balance holders after a member.
        case span(RealmID, after: MemberID?)
        /// The balances of one span.
        case balances(RealmID, after: MemberID?, through: MemberID)
        /// A page of admin keys.
        case adminKeys(after: KeyID?)
        case done
    }

    private let selection: ExportSelection
    private let statements: StoredStatements
    private let pageSize: Int?
    private let parts: [ExportPart]
    private var phase: Phase = .realm(after: nil)
    /// Rows taken of the current statement.
    private var taken = 0
    /// The last record taken of the current statement.
    private var last: StoredRecord?
    /// The span end the current span statement read.
    private var spanEnd: MemberID?

    /// The reads of `selection` in `statements`' dialect, `pageSize` rows a statement (all of a
    /// part at once for nil).
    public init(_ selection: ExportSelection, _ statements: StoredStatements, pageSize: Int?) {
        precondition(pageSize.map { $0 > 0 } ?? true, "a page holds at least one row")
        self.selection = selection
        self.statements = statements
        self.pageSize = pageSize
        self.parts = ExportPart.parts(of: selection)
    }

    /// The statement to run next; nil once every record is read.
    public var statement: SQLStatement? {
        switch phase {
        case .realm(let after):
            if let selected = selection.realm { return statements.realm(selected) }
            return statements.exportRealm(after: after)
        case .part(let realm, let part, let cursor):
            return statements.export(part, in: realm, after: cursor, limit: pageSize)
        case .span(let realm, let after):
            return statements.exportBalanceSpan(in: realm, after: after, members: pageSize ?? 1)
        case .balances(let realm, let after, let through):
            return statements.exportBalances(in: realm, after: after, through: through)
        case .adminKeys(let after):
            return statements.exportAdminKeys(after: after, limit: pageSize)
        case .done:
            return nil
        }
    }

    /// The record of the current statement's next row; nil for a row that is not one (a span's end).
    public mutating func take(_ row: some StoredRow) throws -> StoredRecord? {
        let record: StoredRecord
        switch phase {
        case .realm: record = .realm(try Realm(stored: row))
        case .part(_, let part, _): record = try part.record(row)
        case .span:
            spanEnd = try row.optionalText("span_end").map(MemberID.init(canonical:))
            return nil
        case .balances: record = .balance(try StoredBalance(stored: row))
        case .adminKeys: record = .key(try APIKey(stored: row))
        case .done: preconditionFailure("no statement runs once the export is read")
        }
        taken += 1
        last = record
        return record
    }

    /// Moves on once every row of the current statement is taken. Throws `Not Found` when the
    /// selected realm does not exist.
    public mutating func advance() throws {
        let full = pageSize.map { taken >= $0 } ?? false
        defer {
            taken = 0
            last = nil
            spanEnd = nil
        }
        switch phase {
        case .realm:
            guard case .realm(let realm)? = last else {
                if let selected = selection.realm { throw TallyError.realmNotFound(selected) }
                phase = selection.keys ? .adminKeys(after: nil) : .done
                return
            }
            phase = start(parts[0], in: realm.id)
        case .part(let realm, let part, _):
            phase = full ? .part(realm, part, after: last.map(ExportCursor.init(after:))) : after(part, in: realm)
        case .span(let realm, let after):
            phase = spanEnd.map { .balances(realm, after: after, through: $0) } ?? self.after(.balances, in: realm)
        case .balances(let realm, _, let through):
            phase = .span(realm, after: through)
        case .adminKeys:
            guard full, case .key(let key)? = last else {
                phase = .done
                return
            }
            phase = .adminKeys(after: key.id)
        case .done:
            break
        }
    }

    /// The first read of `part` in the realm.
    private func start(_ part: ExportPart, in realm: RealmID) -> Phase {
        part == .balances && pageSize != nil ? .span(realm, after: nil) : .part(realm, part, after: nil)
    }

    /// What comes once `part` of the realm is read: its next part, or the next realm.
    private func after(_ part: ExportPart, in realm: RealmID) -> Phase {
        if let index = parts.firstIndex(of: part), index + 1 < parts.count {
            return start(parts[index + 1], in: realm)
        }
        return selection.realm == nil ? .realm(after: realm) : .done
    }
}

/// The kinds of record an export reads of one realm, in the order they come.
public enum ExportPart: Sendable, Equatable, CaseIterable {
    /// Currencies by id.
    case currencies
    /// Members by id, without the balance holders of ghost credentials.
    case members
    /// Ghost credentials by id.
    case credentials
    /// The balance holders of deleted ghost credentials by id.
    case holders
    /// Journal entries in commit order (`seq`).
    case entries
    /// Balances, holders' included, by member id then currency id.
    case balances
    /// API keys by id.
    case keys

    /// The parts `selection` reads of each realm, in order.
    public static func parts(of selection: ExportSelection) -> [ExportPart] {
        allCases.filter { part in
            switch part {
            case .entries: selection.journal
            case .keys: selection.keys
            case .currencies, .members, .credentials, .holders, .balances: true
            }
        }
    }

    /// The record of one row of this part's statements.
    func record(_ row: some StoredRow) throws -> StoredRecord {
        switch self {
        case .currencies: .currency(try Currency(stored: row))
        case .members: .member(try Member(stored: row))
        case .credentials: .credential(try GhostCredential(stored: row))
        case .holders: .holder(try BalanceHolder(stored: row))
        case .entries: .entry(try JournalEntry(stored: row))
        case .balances: .balance(try StoredBalance(stored: row))
        case .keys: .key(try APIKey(stored: row))
        }
    }
}

/// Where the next page of a part begins: after the last record read.
public enum ExportCursor: Sendable, Equatable {
    /// After this id (currencies, members, credentials, keys; balances after this member).
    case id(String)
    /// After this journal sequence number.
    case sequence(Int64)

    /// The cursor after `record`.
    init(after record: StoredRecord) {
        switch record {
        case .realm(let realm): self = .id(realm.id.rawValue)
        case .currency(let currency): self = .id(currency.id.rawValue)
        case .member(let member): self = .id(member.id.rawValue)
        case .credential(let credential): self = .id(credential.id.rawValue)
        case .holder(let holder): self = .id(holder.id.rawValue)
        case .entry(let entry): self = .sequence(entry.sequence)
        case .balance(let balance): self = .id(balance.memberID.rawValue)
        case .key(let key): self = .id(key.id.rawValue)
        }
    }
}
