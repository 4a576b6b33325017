import Testing

@testable import TallyCore

/// The names and encodings both stores share.
@Suite struct StoredSchemaTests {
    @Test func likePatternsMatchWildcardsAndTheEscapeLiterally() {
        #expect(StoredSchema.likeContains("ab") == "%ab%")
        #expect(StoredSchema.likeContains(#"50%_off\now"#) == #"%50\%\_off\\now%"#)
        #expect(StoredSchema.likeContains("") == "%%")
    }

    @Test func scopesRoundTripSortedAndSkipUnknownNames() {
        let scopes: Set<Scope> = [.pointsWrite, .membersRead, .realmRead]
        #expect(StoredSchema.scopesText(scopes) == "members:read,points:write,realm:read")
        #expect(StoredSchema.scopes(text: StoredSchema.scopesText(scopes)) == scopes)
        #expect(StoredSchema.scopes(text: "members:read,future:scope") == [.membersRead])
    }

    @Test func jsonColumnsReadBackOrNil() {
        #expect(StoredSchema.json(#"{"a":1}"#) == ["a": 1])
        #expect(StoredSchema.json(nil) == nil)
        #expect(StoredSchema.json("not json") == nil)
    }

    @Test func searchesMatchTheCredentialsMatchColumnOrTheID() {
        #expect(StoredSchema.matchColumn(SearchKind.dripId) == "id")
        #expect(StoredSchema.matchColumn(SearchKind.discordId) == "discord_id")
        #expect(
            Credentials.Kind.allCases.map(StoredSchema.column) == [
                "username", "discord_id", "twitter_id", "wallet", "email",
            ])
        #expect(
            Credentials.Kind.allCases.map(StoredSchema.matchColumn) == [
                "username", "discord_id", "twitter_id", "wallet_key", "email_key",
            ])
        #expect(SearchKind.dripId.stored("ABC") == "abc")
        #expect(SearchKind.email.stored("A@B") == "a@b")
        #expect(SearchKind.username.stored("A@B") == "A@B")
    }

    @Test func qualifiedColumnsCarryTheAlias() {
        #expect(StoredSchema.qualified("id, name,created_at", "c") == "c.id, c.name, c.created_at")
    }

    /// Every order ends with the id in the same direction, so pages never overlap.
    @Test func ordersBreakTiesByIDInTheSameDirection() throws {
        let caseless: StoredSchema.Caseless = { "fold(\($0)) \($1)" }
        let page = try PageRequest()
        #expect(StoredSchema.order(MemberQuery(page: page), caseless: caseless) == "id ASC")
        #expect(
            StoredSchema.order(MemberQuery(page: page, sortField: .username, order: .descending), caseless: caseless)
                == "fold(username) DESC, id DESC")
        #expect(
            StoredSchema.order(MemberQuery(page: page, sortField: .updated), caseless: caseless)
                == "updated_at ASC, id ASC")
        #expect(StoredSchema.order(CurrencyQuery(page: page), caseless: caseless) == "created_at ASC, id ASC")
        #expect(
            StoredSchema.order(CurrencyQuery(page: page, sortField: .name, order: .descending), caseless: caseless)
                == "fold(name) DESC, id DESC")
    }
}
