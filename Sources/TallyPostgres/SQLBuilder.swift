import PostgresNIO

/// SQL text assembled from fixed fragments, with every value sent as a bind parameter.
struct SQLBuilder {
    /// The statement so far.
    var text: String
    /// The values its `$n` placeholders name.
    var binds = PostgresBindings()

    init(_ text: String = "") { self.text = text }

    /// Adds `value` as the next parameter and returns its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// Adds an optional `value` (NULL when nil) and returns its placeholder.
    mutating func bind<Value: PostgresDynamicTypeEncodable>(_ value: Value?) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// The finished query.
    var query: PostgresQuery { PostgresQuery(unsafeSQL: text, binds: binds) }
}
