import Testing

@testable import TallyCore

@Suite struct KeySecretTests {
    /// NIST FIPS 180-4 example vectors: the helper the other modules hash with is SHA-256.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
        ),
    ])
    func sha256(message: String, digest: String) {
        #expect(Hex.encode(Hashing.sha256(Array(message.utf8))) == digest)
    }

    @Test func sha256OfAMillionAs() {
        let digest = Hashing.sha256([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
        #expect(Hex.encode(digest) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func aSecretRoundTripsAndMatchesOnlyItsHash() throws {
        let id: KeyID = IDGenerator().make()
        let secret = KeySecret(keyID: id)
        let parsed = try #require(KeySecret(presented: secret.text))
        #expect(parsed.keyID == id)
        #expect(parsed.matches(secret.hash))
        let other = KeySecret(keyID: id)
        #expect(!other.matches(secret.hash))
        #expect(secret.hash.count == 32)
    }

    @Test(arguments: [
        "", "tally_", "Bearer x", "tally_507f1f77bcf86cd799439011_",
        "tally_507f1f77bcf86cd799439011-" + String(repeating: "a", count: 64),
        "tally_507f1f77bcf86cd79943901z_" + String(repeating: "a", count: 64),
        "tally_507f1f77bcf86cd799439011_" + String(repeating: "A", count: 64),
        "tally_507f1f77bcf86cd799439011_" + String(repeating: "a", count: 65),
        "tally_507f1f77bcf86cd799439011_" + String(repeating: "a", count: 63) + "'",
    ])
    func malformedSecretsAreRejected(text: String) {
        #expect(KeySecret(presented: text) == nil)
    }

    /// `matches` is swift-crypto's constant-time digest comparison: equal only to the whole hash,
    /// not to one differing in its last byte, nor to a prefix or an extension of it.
    @Test func constantTimeComparison() {
        let secret = KeySecret(keyID: IDGenerator().make())
        let stored = secret.hash
        #expect(secret.matches(stored))
        var lastByteDiffers = stored
        lastByteDiffers[31] ^= 1
        #expect(!secret.matches(lastByteDiffers))
        #expect(!secret.matches(Array(stored.prefix(31))))
        #expect(!secret.matches(stored + [0]))
        #expect(!secret.matches([]))
    }

    @Test func adminKeysPermitEverythingAndRealmKeysOnlyTheirScopes() {
        let realm = RealmID("507f1f77bcf86cd799439011")!
        let other = RealmID("507f1f77bcf86cd799439012")!
        let admin = APIKey(
            id: IDGenerator().make(), realmID: nil, name: nil, scopes: [], secretHash: [], createdAtMilliseconds: 0,
            revokedAtMilliseconds: nil)
        let bot = APIKey(
            id: IDGenerator().make(), realmID: realm, name: nil, scopes: [.pointsWrite], secretHash: [],
            createdAtMilliseconds: 0, revokedAtMilliseconds: nil)
        #expect(admin.permits(.currenciesWrite, on: other))
        #expect(bot.permits(.pointsWrite, on: realm))
        #expect(!bot.permits(.membersRead, on: realm))
        #expect(!bot.permits(.pointsWrite, on: other))
    }

    @Test func scopeLists() throws {
        #expect(try Scope.parseList("points:write, members:read") == [.pointsWrite, .membersRead])
        #expect(throws: TallyError.self) { try Scope.parseList("points:write,admin") }
        #expect(throws: TallyError.self) { try Scope.parseList(" , ") }
    }
}
