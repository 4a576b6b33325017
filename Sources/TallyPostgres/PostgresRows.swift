import Foundation
import PostgresNIO
import TallyCore

/// Statement helpers, and PostgreSQL's wording of the shared statements.
extension PostgresLedgerStore {
    /// `$n` parameters, ILIKE and lower(), because SQLite's LIKE and NOCASE ignore case and the
    /// two stores must agree; NULLs sorted first ascending and last descending, as SQLite does;
    /// booleans as booleans.
    static let statements = StoredStatements(
        SQLDialect(
            placeholder: { "$\($0)" }, caselessLike: "ILIKE",
            caseless: { column, direction in
                "lower(\(column)) \(direction) \(direction == "ASC" ? "NULLS FIRST" : "NULLS LAST")"
            },
            isTrue: { column in column }, lockRows: " FOR UPDATE",
            cappedSum: { expression in "LEAST(coalesce(sum(\(expression)), 0), 9223372036854775807)::bigint" }))

    /// Every row of `query`.
    func all(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try connection.requireOpen()
        var rows = [PostgresRandomAccessRow]()
        for try await row in try await connection.query(query, logger: logger) { rows.append(row.makeRandomAccess()) }
        return rows
    }

    /// The first row of `query`, or nil.
    func first(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> PostgresRandomAccessRow? {
        try await all(connection, query).first
    }

    /// Runs `query`, discarding any rows.
    func run(_ connection: PostgresConnection, _ query: PostgresQuery) async throws {
        try connection.requireOpen()
        try await connection.query(query, logger: logger)
    }

    /// The single integer `query` returns (a count), or 0.
    func count(_ connection: PostgresConnection, _ query: PostgresQuery) async throws -> Int {
        guard let row = try await first(connection, query) else { return 0 }
        return Int(try row[0].decode(Int64.self))
    }

    /// Every row of `statement`, read by column name.
    func rows(_ connection: PostgresConnection, _ statement: SQLStatement) async throws -> [PostgresStoredRow] {
        try await all(connection, statement.query).map(PostgresStoredRow.init)
    }

    /// The first row of `statement`, or nil.
    func row(_ connection: PostgresConnection, _ statement: SQLStatement) async throws -> PostgresStoredRow? {
        try await first(connection, statement.query).map(PostgresStoredRow.init)
    }
}

/// A postgres-nio row, read by column name.
struct PostgresStoredRow: StoredRow {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRandomAccessRow) { self.row = row }

    func text(_ column: String) throws -> String { try row[column].decode(String.self) }
    func optionalText(_ column: String) throws -> String? { try row[column].decode(String?.self) }
    func integer(_ column: String) throws -> Int64 { try row[column].decode(Int64.self) }
    func optionalInteger(_ column: String) throws -> Int64? { try row[column].decode(Int64?.self) }
    func boolean(_ column: String) throws -> Bool { try row[column].decode(Bool.self) }
    func bytes(_ column: String) throws -> [UInt8] { Array(try row[column].decode(Data.self)) }
}

extension SQLStatement {
    /// The statement as postgres-nio sends it: the text, and every value as a bind parameter.
    var query: PostgresQuery {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .text(let text): binds.append(text)
            case .integer(let integer): binds.append(integer)
            case .boolean(let flag): binds.append(flag)
            case .bytes(let bytes): binds.append(ByteBuffer(bytes: bytes))
            }
        }
        return PostgresQuery(unsafeSQL: text, binds: binds)
    }
}
