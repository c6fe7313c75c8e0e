using Conduit.Personal;

namespace Conduit.Tests.Personal;

public class PersonalCompartmentTests
{
    // Bytes 0..31, unpadded standard base64; the token was computed independently (python: json.dumps compact,
    // urlsafe_b64encode, '=' stripped).
    const string FixedId = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    const string FixedToken = "eyJ2IjoiMSIsImRhdGEiOnsiaWQiOiJBQUVDQXdRRkJnY0lDUW9MREEwT0R4QVJFaE1VRlJZWEdCa2FHeHdkSGg4IiwibmFtZSI6Im15LW5vZGUifX0";

    [Fact]
    public void A_fixed_id_and_name_give_the_known_share_token()
    {
        Assert.Equal(FixedId, PersonalCompartment.Encode(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(FixedToken, PersonalCompartment.Token(FixedId, "my-node"));
        var parsed = PersonalCompartment.ParseToken(FixedToken, out var problem);
        Assert.Null(problem);
        Assert.Equal(new PersonalPairing(FixedId, "my-node"), parsed);
    }

    [Fact]
    public void New_ids_are_43_characters_of_unpadded_standard_base64_decoding_to_32_bytes()
    {
        var ids = Enumerable.Range(0, 200).Select(_ => PersonalCompartment.NewId()).ToArray();
        Assert.All(ids, id =>
        {
            Assert.Equal(43, id.Length);
            Assert.Null(PersonalCompartment.IdProblem(id));
            Assert.Equal(32, Convert.FromBase64String(id + "=").Length);
        });
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("", "compartment id is empty")]
    [InlineData("   ", "compartment id is empty")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh", "compartment id must be exactly 43 characters")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "compartment id must be exactly 43 characters")]
    [InlineData("_AECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "compartment id must use unpadded standard base64 alphabet")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh=", "compartment id must use unpadded standard base64 alphabet")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd*h8", "compartment id contains invalid character '*'")]
    public void Invalid_ids_give_the_official_reasons(string id, string reason) =>
        Assert.Equal(reason, PersonalCompartment.IdProblem(id));

    [Theory]
    [InlineData("eyJ2IjoiMSIsImRhdGEiOnsiaWQiOiJBQUVDQXdRRkJnY0lDUW9MREEwT0R4QVJFaE1VRlJZWEdCa2FHeHdkSGg4IiwibmFtZSI6Im15LW5vZGUifSwieCI6MX0", "token payload must contain exactly keys v and data")]
    [InlineData("eyJ2IjoiMiIsImRhdGEiOnsiaWQiOiJBQUVDQXdRRkJnY0lDUW9MREEwT0R4QVJFaE1VRlJZWEdCa2FHeHdkSGg4IiwibmFtZSI6Im15LW5vZGUifX0", "token version must be string \"1\"")]
    [InlineData("eyJ2IjoiMSIsImRhdGEiOnsiaWQiOiJBQUVDQXdRRkJnY0lDUW9MREEwT0R4QVJFaE1VRlJZWEdCa2FHeHdkSGg4In19", "token data must contain exactly keys id and name")]
    [InlineData("eyJ2IjoiMSIsImRhdGEiOnsiaWQiOiJBQUVDQXdRRkJnY0lDUW9MREEwT0R4QVJFaE1VRlJZWEdCa2FHeHdkSGg4IiwibmFtZSI6IiAgIn19", "token data.name must be non-empty")]
    [InlineData("eyJ2IjoiMSIsImRhdGEiOnsiaWQiOiJBQUVDQXdRRkJnY0lDUW9MREEwT0R4QVJFaE1VRlJZWEdCa2FHeHdkSGgiLCJuYW1lIjoibiJ9fQ", "compartment id must be exactly 43 characters")]
    [InlineData("eyJ2IjoiMSIsImRhdGEiOnsiaWQiOiJBQUVDQXdRRkJnY0lDUW9MREEwT0R4QVJFaE1VRlJZWEdCa2FHeHdkSGg4IiwibmFtIjoibiJ9fQ", "token data missing key name")]
    [InlineData("eyJ2IjoiMSIsImRhdGEiOnsiaWQiOiJfQUVDQXdRRkJnY0lDUW9MREEwT0R4QVJFaE1VRlJZWEdCa2FHeHdkSGg4IiwibmFtZSI6Im4ifX0", "compartment id must use unpadded standard base64 alphabet")]
    [InlineData("eyJ2IjoiMSIsImRhdCI6eyJpZCI6IkFBRUNBd1FGQmdjSUNRb0xEQTBPRHhBUkVoTVVGUllYR0JrYUd4d2RIaDgiLCJuYW1lIjoibiJ9fQ", "token payload missing key data")]
    [InlineData("eyJ2IjoxLCJkYXRhIjp7ImlkIjoiQUFFQ0F3UUZCZ2NJQ1FvTERBME9EeEFSRWhNVUZSWVhHQmthR3h3ZEhoOCIsIm5hbWUiOiJuIn19", "invalid token payload: v must be a string, found a number")]
    [InlineData("eyJ2IjoiMSJ9", "token payload must contain exactly keys v and data")]
    [InlineData("", "token is empty")]
    [InlineData(FixedToken + "=", "token must be base64url without padding: illegal base64 data at input byte 115")]
    [InlineData("eyJ2+IjoiMSJ9", "token must be base64url without padding: illegal base64 data at input byte 4")]
    public void Invalid_tokens_give_the_official_reasons(string token, string reason)
    {
        Assert.Null(PersonalCompartment.ParseToken(token, out var problem));
        Assert.Equal(reason, problem);
    }

    [Fact]
    public void Normalize_takes_an_id_or_a_token_and_names_what_is_wrong_otherwise()
    {
        Assert.Equal(new PersonalPairing(FixedId, ""), PersonalCompartment.Normalize($"  {FixedId}\n", out _));
        Assert.Equal(new PersonalPairing(FixedId, "my-node"), PersonalCompartment.Normalize(FixedToken, out _));
        Assert.Null(PersonalCompartment.Normalize("eyJ2IjoiMSJ9", out var p1));
        Assert.Equal("invalid compartment id or token: token payload must contain exactly keys v and data", p1);
        // 43 characters that are not a token: the ID's own reason is the useful one.
        Assert.Null(PersonalCompartment.Normalize("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd*h8", out var p2));
        Assert.Equal("invalid compartment id or token: compartment id contains invalid character '*'", p2);
    }

    [Fact]
    public void Names_are_escaped_as_go_json_does()
    {
        var token = PersonalCompartment.Token(FixedId, "a<b>&\"c\"");
        var json = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token.Replace('-', '+').Replace('_', '/') + new string('=', (4 - token.Length % 4) % 4)));
        Assert.Equal($"{{\"v\":\"1\",\"data\":{{\"id\":\"{FixedId}\",\"name\":\"a\\u003cb\\u003e\\u0026\\\"c\\\"\"}}}}", json);
        Assert.Equal("a<b>&\"c\"", PersonalCompartment.ParseToken(token, out _)!.Name);
    }
}
