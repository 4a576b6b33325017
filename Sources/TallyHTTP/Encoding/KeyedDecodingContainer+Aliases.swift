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

extension KeyedDecodingContainer {
    /// The first key present among `keys`, read as a member named by drip id or Discord user id
    /// (`MemberReference`): a string, or a JSON integer (a snowflake, read whole as a UInt64, never
    /// through a Double). Nil when absent or null.
    func decodeMemberReference(forKeys keys: [Key]) throws -> MemberReference? {
        for key in keys where contains(key) {
            if try decodeNil(forKey: key) { return nil }
            if let text = try? decode(String.self, forKey: key) {
                guard let reference = MemberReference(text) else { throw Self.notAMember(codingPath + [key]) }
                return reference
            }
            guard let number = try? decode(UInt64.self, forKey: key) else { throw Self.notAMember(codingPath + [key]) }
            return MemberReference(discordID: number)
        }
        return nil
    }

    private static func notAMember(_ codingPath: [any CodingKey]) -> DecodingError {
        .dataCorrupted(
            .init(
                codingPath: codingPath,
                debugDescription:
                    "it must be a drip id (\(RealmID.textLength) hexadecimal digits) or a Discord user id (1 to \(MemberReference.discordIDLengthMax) digits, as a string or a JSON integer)."
            ))
    }
}
