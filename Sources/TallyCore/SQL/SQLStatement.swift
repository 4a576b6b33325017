/// A value bound to a statement's parameter, in the few types the schema stores.
public enum SQLValue: Sendable, Hashable {
    /// Text, or NULL.
    case text(String?)
    /// A 64-bit integer, or NULL.
    case integer(Int64?)
    /// A boolean (SQLite holds it as 0 or 1).
    case boolean(Bool)
    /// Bytes (a key's secret hash).
    case bytes([UInt8])
}

/// What differs between the engines in the text of a statement both of them run. Each store
/// states its own; `StoredStatements` words the rest once.
public struct SQLDialect: Sendable {
    /// The n-th parameter, counting from 1. Numbered rather than positional, so one value can
    /// stand in a statement twice and the text can be assembled in any order.
    public let placeholder: @Sendable (_ number: Int) -> String
    /// The operator that matches a LIKE pattern without regard to case.
    public let caselessLike: String
    /// How the engine sorts a column ignoring case (`StoredSchema.Caseless`).
    public let caseless: @Sendable (_ column: String, _ direction: String) -> String
    /// The condition that a boolean column is true, worded as the engine's partial indexes word
    /// it, so that a query can use them.
    public let isTrue: @Sendable (_ column: String) -> String
    /// The clause, with its leading space, that locks the rows a SELECT reads until the
    /// transaction ends; empty for an engine whose writer is alone (SQLite).
    public let lockRows: String
    /// The condition on `journal` rows that keeps those the balances table covers, for a read
    /// that must show both as of one moment (an export); nil when the table covers every
    /// committed entry. SQLite writes balances behind the journal (docs/decisions/0009).
    public let coveredJournal: String?
    /// The table `(realm_id, member_id, seq)` through which a member's journal entries are
    /// found, when it is not the journal's own index (SQLite fills one behind the journal).
    public let memberIndex: String?
    /// The clause, with its leading space, that makes a read of `members m` start from the
    /// partial index of ghost credentials' holders, which are few; empty for an engine whose
    /// planner chooses it unasked (PostgreSQL keeps statistics; SQLite, without them, starts from
    /// every balance of the currency instead).
    public let ghostsIndex: String
    /// A sum of integers, capped at `Int64.max` and read as a 64-bit integer.
    public let cappedSum: @Sendable (_ expression: String) -> String

    /// A dialect.
    public init(
        placeholder: @escaping @Sendable (_ number: Int) -> String, caselessLike: String,
        caseless: @escaping @Sendable (_ column: String, _ direction: String) -> String,
        isTrue: @escaping @Sendable (_ column: String) -> String, lockRows: String = "",
        coveredJournal: String? = nil, memberIndex: String? = nil, ghostsIndex: String = "",
        cappedSum: @escaping @Sendable (_ expression: String) -> String
    ) {
        self.memberIndex = memberIndex
        self.ghostsIndex = ghostsIndex
        self.cappedSum = cappedSum
        self.placeholder = placeholder
        self.caselessLike = caselessLike
        self.caseless = caseless
        self.isTrue = isTrue
        self.lockRows = lockRows
        self.coveredJournal = coveredJournal
    }
}

/// SQL text assembled from fixed fragments and the values of its parameters: every value is
/// bound, never spliced into the text.
public struct SQLStatement: Sendable {
    /// The statement so far.
    public var text: String
    /// The values its placeholders number, in order.
    public private(set) var values: [SQLValue] = []
    private let dialect: SQLDialect

    /// A statement in `dialect`, beginning with `text`.
    public init(_ dialect: SQLDialect, _ text: String = "") {
        self.dialect = dialect
        self.text = text
    }

    /// Adds `value` as the next parameter and returns its placeholder.
    public mutating func bind(_ value: SQLValue) -> String {
        values.append(value)
        return dialect.placeholder(values.count)
    }

    /// Binds text (NULL when nil).
    public mutating func bind(_ text: String?) -> String { bind(.text(text)) }

    /// Binds an integer (NULL when nil).
    public mutating func bind(_ integer: Int64?) -> String { bind(.integer(integer)) }

    /// Binds a boolean.
    public mutating func bind(_ flag: Bool) -> String { bind(.boolean(flag)) }

    /// Binds each of `texts`, returning their placeholders separated by commas (for `IN (...)`).
    public mutating func bind(list texts: some Sequence<String>) -> String {
        texts.map { bind(.text($0)) }.joined(separator: ", ")
    }

    /// `INSERT INTO table (column, ...) VALUES (placeholder, ...)`, each column with its value.
    public init(_ dialect: SQLDialect, insertInto table: String, _ columns: KeyValuePairs<String, SQLValue>) {
        self.init(dialect)
        let placeholders = columns.map { bind($0.value) }.joined(separator: ", ")
        text = "INSERT INTO \(table) (\(columns.map(\.key).joined(separator: ", "))) VALUES (\(placeholders))"
    }

    /// `UPDATE table SET column = placeholder, ... WHERE key = placeholder AND ...`.
    public init(
        _ dialect: SQLDialect, update table: String, set columns: KeyValuePairs<String, SQLValue>,
        where keys: KeyValuePairs<String, SQLValue>
    ) {
        self.init(dialect)
        let assignments = columns.map { "\($0.key) = \(bind($0.value))" }.joined(separator: ", ")
        let conditions = keys.map { "\($0.key) = \(bind($0.value))" }.joined(separator: " AND ")
        text = "UPDATE \(table) SET \(assignments) WHERE \(conditions)"
    }
}
