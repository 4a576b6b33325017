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
