import Foundation
import GRDB
import TallyCore

extension SQLiteLedgerStore {
    /// SQLite's wording of the shared statements: numbered `?n` parameters, LIKE (which ignores
    /// ASCII case), NOCASE sorting (NULLs already come first ascending and last descending) and
    /// booleans held as 0 or 1; the balances table and the member index (`member_journal`) cover
    /// the journal up to `ledger_checkpoint`.
    static let statements = StoredStatements(
        SQLDialect(
            placeholder: { "?\($0)" }, caselessLike: "LIKE",
            caseless: { column, direction in "\(column) COLLATE NOCASE \(direction)" },
            isTrue: { column in "\(column) = 1" },
            coveredJournal: "seq <= (SELECT seq FROM ledger_checkpoint WHERE id = 1)", memberIndex: "member_journal",
            ghostsIndex: " INDEXED BY members_ghosts",
            // total() adds in floating point and never overflows; CAST saturates at Int64.max.
            cappedSum: { expression in "CAST(min(total(\(expression)), 9223372036854775807.0) AS INTEGER)" }))
}

/// A GRDB row, read by column name.
struct SQLiteStoredRow: StoredRow {
    let row: Row

    init(_ row: Row) { self.row = row }

    func text(_ column: String) -> String { row[column] }
    func optionalText(_ column: String) -> String? { row[column] }
    func integer(_ column: String) -> Int64 { row[column] }
    func optionalInteger(_ column: String) -> Int64? { row[column] }
    func boolean(_ column: String) -> Bool { row[column] }
    func bytes(_ column: String) -> [UInt8] { Array(row[column] as Data) }
}

extension SQLStatement {
    /// The values as GRDB binds them.
    var arguments: StatementArguments {
        StatementArguments(
            values.map { value -> DatabaseValue in
                switch value {
                case .text(let text): text.databaseValue
                case .integer(let integer): integer.databaseValue
                case .boolean(let flag): flag.databaseValue
                case .bytes(let bytes): Data(bytes).databaseValue
                }
            })
    }
}

extension Database {
    /// Every row of `statement`.
    func rows(_ statement: SQLStatement) throws -> [SQLiteStoredRow] {
        try Row.fetchAll(self, sql: statement.text, arguments: statement.arguments).map(SQLiteStoredRow.init)
    }

    /// The first row of `statement`, or nil. A statement whose text never changes, read on every
    /// request, is better `cached`: it is then prepared once per connection.
    func row(_ statement: SQLStatement, cached: Bool = false) throws -> SQLiteStoredRow? {
        guard cached else {
            return try Row.fetchOne(self, sql: statement.text, arguments: statement.arguments).map(SQLiteStoredRow.init)
        }
        return try Row.fetchOne(cachedStatement(sql: statement.text), arguments: statement.arguments).map(
            SQLiteStoredRow.init)
    }

    /// The integer `statement` returns (a count), or 0.
    func count(_ statement: SQLStatement) throws -> Int {
        try Int.fetchOne(self, sql: statement.text, arguments: statement.arguments) ?? 0
    }

    /// Runs `statement`; `cached` as for `row`.
    func execute(_ statement: SQLStatement, cached: Bool = false) throws {
        guard cached else { return try execute(sql: statement.text, arguments: statement.arguments) }
        try cachedStatement(sql: statement.text).execute(arguments: statement.arguments)
    }
}
