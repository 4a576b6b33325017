/// The SQL of `tally export`, worded once for both engines: each kind of record read in the
/// order `LedgerExporter` fixes, a page at a time after a keyset cursor (or whole, for an engine
/// that streams one statement), and the count that progress is estimated from. `ExportReads`
/// says which statement comes next.
extension StoredSchema {
    /// The columns of `balances` that a stored balance is decoded from.
    public static let balanceColumns = "realm_id, member_id, currency_id, balance, updated_at"
}

extension StoredBalance {
    /// A balance from the columns `StoredSchema.balanceColumns` lists.
    public init(stored row: some StoredRow) throws {
        self.init(
            realmID: RealmID(canonical: try row.text("realm_id")),
            memberID: MemberID(canonical: try row.text("member_id")),
            currencyID: CurrencyID(canonical: try row.text("currency_id")), balance: try row.integer("balance"),
            updatedAtMilliseconds: try row.integer("updated_at"))
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

extension StoredStatements {
    /// The condition on `members` that a row is the balance holder of a deleted ghost credential.
    var orphanedHolder: String {
        """
        \(dialect.isTrue("ghost")) AND NOT EXISTS (
            SELECT 1 FROM credentials c WHERE c.realm_id = members.realm_id AND c.id = members.id)
        """
    }

    /// The first realm in id order after `after` (the first of all for nil).
    public func exportRealm(after: RealmID?) -> SQLStatement {
        var sql = statement()
        let filter = after.map { "WHERE id > \(sql.bind($0.rawValue)) " } ?? ""
        sql.text = "SELECT \(StoredSchema.realmColumns) FROM realms \(filter)ORDER BY id LIMIT 1"
        return sql
    }

    /// The rows of `part` in the realm, in the export's order, after `cursor` (from the first for
    /// nil), at most `limit` of them (all for nil). Balances read whole this way are sorted by
    /// the engine; paged, they are read by spans of members instead (`exportBalanceSpan`).
    public func export(_ part: ExportPart, in realmID: RealmID, after cursor: ExportCursor?, limit: Int?)
        -> SQLStatement
    {
        var sql = statement()
        var conditions = ["realm_id = \(sql.bind(realmID.rawValue))"]
        let (table, columns, order): (String, String, String)
        switch part {
        case .currencies: (table, columns, order) = ("currencies", StoredSchema.currencyColumns, "id")
        case .members:
            (table, columns, order) = ("members", StoredSchema.memberColumns, "id")
            conditions.append(isFalse("ghost"))
        case .credentials: (table, columns, order) = ("credentials", StoredSchema.credentialColumns, "id")
        case .holders:
            (table, columns, order) = ("members", "realm_id, id, created_at", "id")
            conditions.append(orphanedHolder)
        case .entries: (table, columns, order) = ("journal", StoredSchema.journalColumns, "seq")
        case .balances: (table, columns, order) = ("balances", StoredSchema.balanceColumns, "member_id, currency_id")
        case .keys: (table, columns, order) = ("api_keys", StoredSchema.keyColumns, "id")
        }
        switch cursor {
        case .id(let id): conditions.append("\(part == .balances ? "member_id" : "id") > \(sql.bind(id))")
        case .sequence(let sequence): conditions.append("seq > \(sql.bind(sequence))")
        case nil: break
        }
        sql.text = """
            SELECT \(columns) FROM \(table) WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(order)
            """
        if let limit { sql.text += " LIMIT \(sql.bind(Int64(limit)))" }
        return sql
    }

    /// The admin keys (no realm) by id, after `after`, at most `limit` of them (all for nil).
    public func exportAdminKeys(after: KeyID?, limit: Int?) -> SQLStatement {
        var sql = statement()
        var filter = "realm_id IS NULL"
        if let after { filter += " AND id > \(sql.bind(after.rawValue))" }
        sql.text = "SELECT \(StoredSchema.keyColumns) FROM api_keys WHERE \(filter) ORDER BY id"
        if let limit { sql.text += " LIMIT \(sql.bind(Int64(limit)))" }
        return sql
    }

    /// One row, `span_end`: the last of the next `members` balance holders of the realm (members
    /// and ghost credentials' holders alike) after `after`, in id order; NULL when none is left.
    public func exportBalanceSpan(in realmID: RealmID, after: MemberID?, members: Int) -> SQLStatement {
        var sql = statement()
        var filter = "realm_id = \(sql.bind(realmID.rawValue))"
        if let after { filter += " AND id > \(sql.bind(after.rawValue))" }
        sql.text = """
            SELECT max(id) AS span_end FROM (
                SELECT id FROM members WHERE \(filter) ORDER BY id LIMIT \(sql.bind(Int64(members)))
            ) span
            """
        return sql
    }

    /// The realm's balances of the members after `after` up to and including `through`, by member
    /// id then currency id. The condition on the currency (every balance's currency is the
    /// realm's) lets both engines read the span from the primary key, one range per currency,
    /// rather than the whole realm.
    public func exportBalances(in realmID: RealmID, after: MemberID?, through: MemberID) -> SQLStatement {
        var sql = statement()
        let realm = sql.bind(realmID.rawValue)
        var filter = """
            realm_id = \(realm) AND currency_id IN (SELECT id FROM currencies WHERE realm_id = \(realm)) \
            AND member_id <= \(sql.bind(through.rawValue))
            """
        if let after { filter += " AND member_id > \(sql.bind(after.rawValue))" }
        sql.text = """
            SELECT \(StoredSchema.balanceColumns) FROM balances WHERE \(filter) ORDER BY member_id, currency_id
            """
        return sql
    }

    /// One row, `records`: how many records `selection` holds now, for an estimate of an
    /// export's progress (an export reads its own snapshot, which may differ by the writes in
    /// between). A selected realm that does not exist counts nothing.
    public func exportCount(_ selection: ExportSelection) -> SQLStatement {
        var sql = statement()
        let realm = selection.realm.map { sql.bind($0.rawValue) }
        func count(_ table: String, _ conditions: [String]) -> String {
            let all = (realm.map { ["realm_id = \($0)"] } ?? []) + conditions
            return "(SELECT count(*) FROM \(table)\(all.isEmpty ? "" : " WHERE " + all.joined(separator: " AND ")))"
        }
        var terms = [
            realm.map { "(SELECT count(*) FROM realms WHERE id = \($0))" } ?? "(SELECT count(*) FROM realms)",
            count("currencies", []), count("members", [isFalse("ghost")]), count("credentials", []),
            count("members", [orphanedHolder]),
            count("balances", []),
        ]
        if selection.journal { terms.append(count("journal", [])) }
        if selection.keys { terms.append(count("api_keys", [])) }
        sql.text = "SELECT \(terms.joined(separator: " + ")) AS records"
        return sql
    }
}

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

/// An error the `record` closure of an export threw, carried through a store's transaction so
/// that the store rethrows it as it was rather than as a storage failure.
public struct ExportInterruption: Error {
    /// What `record` threw.
    public let error: any Error

    /// Carries `error`.
    public init(error: any Error) { self.error = error }

    /// Calls `record` with `value`, wrapping what it throws.
    public static func emit(
        _ value: StoredRecord, to record: @Sendable (StoredRecord) throws -> Void
    ) throws {
        do {
            try record(value)
        } catch {
            throw ExportInterruption(error: error)
        }
    }
}
