import GRDB
import GRDBSQLite
import TallyCore

/// One multi-row `INSERT` statement, bound and stepped through the SQLite C API on the
/// connection of the caller's write transaction: many rows for the cost of one statement, with
/// SQLite's cursors kept open from row to row. Used for large imports (members, and a load's
/// journal entries and balances); the single-row statements stay the reference for errors.
struct BulkInsert<Row> {
    private let connection: OpaquePointer
    private let statement: OpaquePointer
    private let sql: String
    private let columns: Int32
    private let bind: (Row, inout BulkParameters) -> Void
    /// Rows per statement.
    let rows: Int

    /// A statement inserting `rows` rows into `table`'s `columns` (a list of `columnCount`
    /// names), each row's values given by `bind` in the columns' order.
    init(
        _ db: Database, into table: String, columns: String, columnCount: Int, rows: Int,
        bind: @escaping (Row, inout BulkParameters) -> Void
    ) throws {
        guard let connection = db.sqliteConnection else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the database connection is closed")
        }
        let row = "(" + Array(repeating: "?", count: columnCount).joined(separator: ", ") + ")"
        let sql = """
            INSERT INTO \(table) (\(columns))
            VALUES \(Array(repeating: row, count: rows).joined(separator: ", "))
            """
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        }
        self.connection = connection
        self.statement = statement
        self.sql = sql
        self.columns = Int32(columnCount)
        self.bind = bind
        self.rows = rows
    }

    func finalize() { sqlite3_finalize(statement) }

    /// Inserts exactly `rows` rows in one statement. Returns false, having inserted none of
    /// them, when a constraint refused one: SQLite aborts the statement and keeps the
    /// transaction. Any other failure throws.
    func insert(_ values: some Collection<Row>) throws -> Bool {
        precondition(values.count == rows, "a bulk statement takes exactly its number of rows")
        var parameters = BulkParameters(statement: statement, next: 1)
        for value in values {
            let first = parameters.next
            bind(value, &parameters)
            precondition(parameters.next == first + columns, "one value per column")
        }
        let code = sqlite3_step(statement)
        if code == SQLITE_DONE {
            sqlite3_reset(statement)
            return true
        }
        let error = DatabaseError(
            resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
            message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        sqlite3_reset(statement)
        // Only a constraint failure is known to leave the transaction open with nothing of this
        // statement applied; then the caller replays the rows one by one.
        if code & 0xFF == SQLITE_CONSTRAINT && sqlite3_get_autocommit(connection) == 0 { return false }
        throw error
    }
}

/// Binds one value after another to the parameters of a `BulkInsert` statement.
struct BulkParameters {
    fileprivate let statement: OpaquePointer
    fileprivate var next: Int32

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    mutating func text(_ value: String?) {
        defer { next += 1 }
        guard var value else {
            sqlite3_bind_null(statement, next)
            return
        }
        let code = value.withUTF8 { text in
            // An empty buffer may have no address, which SQLite would read as NULL.
            text.isEmpty
                ? sqlite3_bind_text(statement, next, "", 0, Self.transient)
                : sqlite3_bind_text(statement, next, text.baseAddress, Int32(text.count), Self.transient)
        }
        precondition(code == SQLITE_OK, "binding a text parameter cannot fail")
    }

    mutating func integer(_ value: Int64) {
        sqlite3_bind_int64(statement, next, value)
        next += 1
    }
}

extension BulkInsert where Row == Member {
    /// Members, `rows` to a statement, in `SQLiteLedgerStore.insertMemberColumns`.
    init(members db: Database, rows: Int) throws {
        try self.init(
            db, into: "members", columns: SQLiteLedgerStore.insertMemberColumns,
            columnCount: SQLiteLedgerStore.insertMemberColumnCount, rows: rows
        ) { member, row in
            let c = member.credentials
            row.text(member.realmID.rawValue)
            row.text(member.id.rawValue)
            row.text(c.username)
            row.text(c.discordId)
            row.text(c.twitterId)
            row.text(c.wallet)
            row.text(c.email)
            row.text(c.matchKey(.wallet))
            row.text(c.matchKey(.email))
            row.text(c.walletChain)
            row.text(c.walletName)
            row.text(member.metadata?.text)
            row.integer(member.createdAtMilliseconds)
            row.integer(member.updatedAtMilliseconds)
        }
    }
}

extension BulkInsert where Row == JournalEntry {
    /// Journal entries as given, `rows` to a statement, numbered in the order given.
    init(entries db: Database, rows: Int) throws {
        try self.init(
            db, into: "journal",
            columns:
                "id, realm_id, member_id, currency_id, amount, balance_before, balance_after, batch_id, initiator_id, kind, created_at",
            columnCount: 11, rows: rows
        ) { entry, row in
            row.text(entry.id.rawValue)
            row.text(entry.realmID.rawValue)
            row.text(entry.memberID.rawValue)
            row.text(entry.currencyID.rawValue)
            row.integer(entry.amount)
            row.integer(entry.balanceBefore)
            row.integer(entry.balanceAfter)
            row.text(entry.batchID.rawValue)
            row.text(entry.initiatorID)
            row.text(entry.kind.rawValue)
            row.integer(entry.createdAtMilliseconds)
        }
    }
}

extension BulkInsert where Row == StoredBalance {
    /// Balances as given, `rows` to a statement.
    init(balances db: Database, rows: Int) throws {
        try self.init(
            db, into: "balances", columns: "realm_id, currency_id, member_id, balance, updated_at", columnCount: 5,
            rows: rows
        ) { balance, row in
            row.text(balance.realmID.rawValue)
            row.text(balance.currencyID.rawValue)
            row.text(balance.memberID.rawValue)
            row.integer(balance.balance)
            row.integer(balance.updatedAtMilliseconds)
        }
    }
}
