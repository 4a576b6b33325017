import TallyCore

extension KeyedDecodingContainer {
    /// For partial updates: nil when the key is absent, `.some(nil)` when it is `null`.
    func decodePatch<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T?? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) { return .some(nil) }
        return .some(try decode(T.self, forKey: key))
    }

    /// The first key present among `keys` (a field and its older aliases), decoded.
    func decodeFirst<T: Decodable>(_ type: T.Type, forKeys keys: [Key]) throws -> T? {
        for key in keys where contains(key) {
            if try decodeNil(forKey: key) { return nil }
            return try decode(T.self, forKey: key)
        }
        return nil
    }

    /// Like `decodeFirst`, for an Int64 amount with the field path restored on failure.
    func decodeAmount(forKeys keys: [Key]) throws -> Int64? {
        for key in keys where contains(key) {
            return try JSONBody.decodeAmount(self, forKey: key)
        }
        return nil
    }
}

/// A coding key made from any string, for bodies that accept several spellings of a field.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Ids from request text, with errors that name the field.
enum IDField {
    static func member(_ text: String, field: String) throws(TallyError) -> MemberID {
        guard let id = MemberID(text) else { throw .validation("\(field) must be 24 hexadecimal digits.") }
        return id
    }

    static func currency(_ text: String?, field: String) throws(TallyError) -> CurrencyID? {
        guard let text else { return nil }
        guard let id = CurrencyID(text) else { throw .validation("\(field) must be 24 hexadecimal digits.") }
        return id
    }
}
