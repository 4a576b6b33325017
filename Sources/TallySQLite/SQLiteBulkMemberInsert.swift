import GRDB
import GRDBSQLite
import TallyCore

/// One multi-row `INSERT INTO members` statement, bound and stepped through the SQLite C API
/// on the connection of the caller's write transaction. Used by `SQLiteLedgerStore.insert` for
/// large imports; its single-row path stays the reference for errors.
struct BulkMemberInsert {
    private let connection: OpaquePointer
    private let statement: OpaquePointer
    private let sql: String
    /// Rows per statement.
    let rows: Int

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
    private static let columns = SQLiteLedgerStore.insertMemberColumnCount

    init(_ db: Database, rows: Int) throws {
        guard let connection = db.sqliteConnection else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the database connection is closed")
        }
        let row = "(" + Array(repeating: "?", count: Self.columns).joined(separator: ", ") + ")"
        let sql = """
            INSERT INTO members (\(SQLiteLedgerStore.insertMemberColumns))
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
        self.rows = rows
    }

    func finalize() { sqlite3_finalize(statement) }

    /// Inserts exactly `rows` members in one statement. Returns false, having inserted none of
    /// them, when a constraint refused one: SQLite aborts the statement and keeps the
    /// transaction. Any other failure throws.
    func insert(_ members: ArraySlice<Member>) throws -> Bool {
        precondition(members.count == rows, "a bulk statement takes exactly its number of rows")
        var parameter: Int32 = 1
        for member in members {
            let c = member.credentials
            bind(member.realmID.rawValue, parameter)
            bind(member.id.rawValue, parameter + 1)
            bind(c.username, parameter + 2)
            bind(c.discordId, parameter + 3)
            bind(c.twitterId, parameter + 4)
            bind(c.wallet, parameter + 5)
            bind(c.email, parameter + 6)
            bind(c.matchKey(.wallet), parameter + 7)
            bind(c.matchKey(.email), parameter + 8)
            bind(c.walletChain, parameter + 9)
            bind(c.walletName, parameter + 10)
            bind(member.metadata?.text, parameter + 11)
            sqlite3_bind_int64(statement, parameter + 12, member.createdAtMilliseconds)
            sqlite3_bind_int64(statement, parameter + 13, member.updatedAtMilliseconds)
            parameter += Int32(Self.columns)
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

    private func bind(_ value: String?, _ index: Int32) {
        guard var value else {
            sqlite3_bind_null(statement, index)
            return
        }
        let code = value.withUTF8 { text in
            // An empty buffer may have no address, which SQLite would read as NULL.
            text.isEmpty
                ? sqlite3_bind_text(statement, index, "", 0, Self.transient)
                : sqlite3_bind_text(statement, index, text.baseAddress, Int32(text.count), Self.transient)
        }
        precondition(code == SQLITE_OK, "binding a text parameter cannot fail")
    }
}
