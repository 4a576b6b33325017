import Hummingbird
import TallyCore

/// Reads query parameters strictly: a value that is present but malformed is a 400 naming the
/// parameter, never silently ignored.
struct QueryReader {
    /// Highest `page` of an offset-paged list.
    static let pageNumberMax = 1_000_000
    /// Longest `search` text.
    static let searchLengthMax = 256
    /// Longest `values` list of a member search or account lookup (50 values of 400 characters).
    static let valuesLengthMax = 50 * 400

    private let values: [String: String]

    init(_ request: Request) {
        var values = [String: String]()
        for (key, value) in request.uri.queryParameters where values[String(key)] == nil {
            values[String(key)] = String(value)
        }
        self.values = values
    }

    /// The raw value, or nil when absent.
    func string(_ name: String, maxLength: Int = 1_024) throws(TallyError) -> String? {
        guard let value = values[name] else { return nil }
        guard value.count <= maxLength else { throw .validation("\(name) must be at most \(maxLength) characters.") }
        return value
    }

    /// A required value.
    func required(_ name: String, maxLength: Int = 1_024) throws(TallyError) -> String {
        guard let value = try string(name, maxLength: maxLength), !value.isEmpty else {
            throw .validation("The query parameter \(name) is required.")
        }
        return value
    }

    /// An integer within `range`, or `default` when absent or empty.
    func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(TallyError) -> Int {
        guard let text = try string(name, maxLength: 32), !text.isEmpty else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw .validation("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }

    /// `true` or `false`, or nil when absent.
    func boolean(_ name: String) throws(TallyError) -> Bool? {
        guard let text = try string(name, maxLength: 16), !text.isEmpty else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw .validation("\(name) must be true or false.")
        }
    }

    /// One of `T`'s raw values, or nil when absent.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, _: T.Type) throws(TallyError) -> T?
    where T.RawValue == String {
        guard let text = try string(name, maxLength: 64), !text.isEmpty else { return nil }
        guard let value = T(rawValue: text) else {
            throw .validation("\(name) must be one of: \(T.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return value
    }

    /// `page` and `limit` (DRIP's offset paging).
    func pageRequest(defaultLimit: Int = 10, limits: Limits) throws(TallyError) -> PageRequest {
        try PageRequest(
            page: integer("page", default: 1, range: 1...Self.pageNumberMax),
            limit: integer("limit", default: defaultLimit, range: 1...limits.pageSizeMax), limits: limits)
    }
}
