package io.clustermesh.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

class IpCidrTest {

    @Test
    void parsesAnIpv4Network() {
        IpCidr c = IpCidr.parse("10.10.0.0/16");
        assertThat(c.isIpv6()).isFalse();
        assertThat(c.prefixLength()).isEqualTo(16);
        assertThat(c.networkAddress()).isEqualTo("10.10.0.0");
        assertThat(c.size()).isEqualTo(BigInteger.valueOf(65536));
        assertThat(c).hasToString("10.10.0.0/16");
    }

    @Test
    void surroundingBlanksAreRefusedAndEqualNetworksAreEqual() {
        // one rule for all addresses: only the canonical text is accepted (it used to be trimmed)
        assertThatIllegalArgumentException().isThrownBy(() -> IpCidr.parse(" 10.10.0.0/16 "))
                .withMessage("' 10.10.0.0/16 ' is not written canonically (spaces around or inside it): write 10.10.0.0/16");
        assertThat(IpCidr.parse("10.10.0.0/16")).isEqualTo(IpCidr.parse("10.10.0.0/16"))
                .hasSameHashCodeAs(IpCidr.parse("10.10.0.0/16"));
        assertThat(IpCidr.parse("10.10.0.0/16")).isNotEqualTo(IpCidr.parse("10.10.0.0/17"));
    }

    @Test
    void theWholeSpaceAndSingleHostsParse() {
        assertThat(IpCidr.parse("0.0.0.0/0").size()).isEqualTo(BigInteger.ONE.shiftLeft(32));
        assertThat(IpCidr.parse("0.0.0.0/0").contains("255.255.255.255")).isTrue();
        assertThat(IpCidr.parse("10.1.0.250/32").size()).isEqualTo(BigInteger.ONE);
        assertThat(IpCidr.host("10.1.0.250")).isEqualTo(IpCidr.parse("10.1.0.250/32"));
    }

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "10.10.0.0/16, 10.10.0.0,      true",
            "10.10.0.0/16, 10.10.255.255,  true",
            "10.10.0.0/16, 10.11.0.0,      false",
            "10.10.0.0/16, 10.9.255.255,   false",
            "169.254.0.0/16, 169.254.169.254, true",
            "192.0.2.0/24, 192.0.3.1,      false"})
    void containsAnAddress(String cidr, String address, boolean expected) {
        assertThat(IpCidr.parse(cidr).contains(address)).isEqualTo(expected);
    }

    @Test
    void containsANetworkOnlyWhenItLiesEntirelyInside() {
        IpCidr c = IpCidr.parse("10.10.0.0/16");
        assertThat(c.contains(IpCidr.parse("10.10.128.0/17"))).isTrue();
        assertThat(c.contains(c)).isTrue();
        assertThat(c.contains(IpCidr.parse("10.10.0.0/15"))).isFalse();
        assertThat(IpCidr.parse("10.10.0.0/15").contains(c)).isTrue();
    }

    @ParameterizedTest(name = "{0} overlaps {1}: {2}")
    @CsvSource({
            "10.10.0.0/16,  10.10.128.0/17, true",
            "10.10.128.0/17, 10.10.0.0/16,  true",
            "10.10.0.0/16,  10.11.0.0/16,   false",
            "10.0.0.0/8,    10.30.0.0/16,   true",
            "10.10.0.0/16,  10.10.255.255/32, true",
            "10.10.0.0/16,  10.11.0.0/32,   false",
            "172.30.0.0/15, 172.31.0.0/16,  true"})
    void overlapsIsSymmetricAndExact(String a, String b, boolean expected) {
        assertThat(IpCidr.parse(a).overlaps(IpCidr.parse(b))).isEqualTo(expected);
        assertThat(IpCidr.parse(b).overlaps(IpCidr.parse(a))).isEqualTo(expected);
    }

    @Test
    void addressCountsFromTheNetworkAddress() {
        IpCidr c = IpCidr.parse("10.1.0.0/24");
        assertThat(c.address(0)).isEqualTo("10.1.0.0");
        assertThat(c.address(250)).isEqualTo("10.1.0.250");
        assertThat(c.address(255)).isEqualTo("10.1.0.255");
        assertThat(IpCidr.parse("10.1.0.0/16").address(256)).isEqualTo("10.1.1.0");
    }

    @Test
    void addressOutsideTheNetworkIsRefused() {
        IpCidr c = IpCidr.parse("10.1.0.0/24");
        assertThatIllegalArgumentException().isThrownBy(() -> c.address(256))
                .withMessage("address index 256 outside 10.1.0.0/24");
        assertThatIllegalArgumentException().isThrownBy(() -> c.address(-1)).withMessageContaining("outside 10.1.0.0/24");
    }

    @Test
    void hostBitsAreRefusedNamingTheNetworkMeant() {
        assertThatIllegalArgumentException().isThrownBy(() -> IpCidr.parse("10.10.1.0/16"))
                .withMessage("'10.10.1.0/16' has host bits set: the network is 10.10.0.0/16");
        assertThatIllegalArgumentException().isThrownBy(() -> IpCidr.parse("10.1.0.250/24"))
                .withMessageEndingWith("the network is 10.1.0.0/24");
        assertThatIllegalArgumentException().isThrownBy(() -> IpCidr.parse("fd00::1/64"))
                .withMessageContaining("host bits set").withMessageContaining("/64");
    }

    @Test
    void parsesIpv6() {
        IpCidr c = IpCidr.parse("fd00:10:20::/48");
        assertThat(c.isIpv6()).isTrue();
        assertThat(c.prefixLength()).isEqualTo(48);
        assertThat(c.contains("fd00:10:20:ffff::1")).isTrue();
        assertThat(c.contains("fd00:10:21::1")).isFalse();
        assertThat(c.overlaps(IpCidr.parse("fd00:10::/32"))).isTrue();
        assertThat(IpCidr.parse("fd00:10:20:0:0:0:0:0/48")).isEqualTo(c);
        assertThat(c.address(1)).isEqualTo(IpCidr.host("fd00:10:20::1").networkAddress());
        assertThat(IpCidr.parse("::/0").size()).isEqualTo(BigInteger.ONE.shiftLeft(128));
        assertThat(IpCidr.host("::1").isIpv6()).isTrue();
    }

    @Test
    void ipv4AndIpv6NeverContainOrOverlapEachOther() {
        IpCidr v4 = IpCidr.parse("0.0.0.0/0");
        IpCidr v6 = IpCidr.parse("::/96"); // numerically the same range as 0.0.0.0/0
        assertThat(v4.overlaps(v6)).isFalse();
        assertThat(v6.overlaps(v4)).isFalse();
        assertThat(v6.contains(v4)).isFalse();
        assertThat(v4).isNotEqualTo(v6);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "10.10.0.0       | '10.10.0.0' is not a CIDR: expected address/prefix, e.g. 10.10.0.0/16",
            "10.10.0/16      | '10.10.0/16' is not an IPv4 address: expected four numbers 0..255 separated by dots",
            "10.10.0.256/16  | '10.10.0.256/16' is not an IPv4 address: 256 is above 255",
            "10.a.0.0/16     | '10.a.0.0/16' is not an IPv4 address: 'a' is not a number 0..255",
            "10..0.0/16      | '10..0.0/16' is not an IPv4 address: '' is not a number 0..255",
            "10.10.0.0/33    | '10.10.0.0/33' has prefix length 33, outside 0..32",
            "10.10.0.0/-1    | '10.10.0.0/-1' has prefix length -1, outside 0..32",
            "10.10.0.0/x     | '10.10.0.0/x' has an invalid prefix length 'x': expected 0..32",
            "10.10.0.0/      | '10.10.0.0/' has an invalid prefix length '': expected 0..32",
            "fd00::/129      | 'fd00::/129' has prefix length 129, outside 0..128",
            "fd00::g/64      | 'fd00::g/64' is not an IPv6 address",
            "fd00:::1:2/64   | 'fd00:::1:2/64' is not an IPv6 address"})
    void badInputsSayWhatIsWrongAndHowItShouldLook(String input, String message) {
        assertThatIllegalArgumentException().isThrownBy(() -> IpCidr.parse(input)).withMessage(message);
    }

    @ParameterizedTest(name = "{0}: address {1}")
    @CsvSource(delimiter = '|', value = {
            "0.0.0.0         | true",
            "255.255.255.255 | true",
            "10.1.0.250      | true",
            "100.64.10.9     | true",
            "256.1.1.1       | false",
            "1.2.3.256       | false",
            "1.2.3.1000      | false",
            "01.2.3.4        | false",
            "1.2.3.04        | false",
            "1.2.3.00        | false",
            "1.2.3           | false",
            "1.2.3.4.        | false",
            ".1.2.3.4        | false",
            "1..2.3          | false",
            "1.2.3.4.5       | false",
            "1.2.3.4/32      | false",
            "'1.2.3.4 '      | false",
            "1.2.3.a         | false"})
    void aHostAddressIsReadTheSameWayHoweverItIsWritten(String text, boolean address) {
        // plain dotted quads take a short path in host(): it must agree with the general one on every input
        assertThat(IpCidr.isAddress(text)).isEqualTo(address);
        if (address) {
            assertThat(IpCidr.host(text)).hasToString(text + "/32").isEqualTo(IpCidr.parse(text + "/32"));
            assertThat(IpCidr.host(text).networkAddress()).isEqualTo(text);
        } else {
            assertThatIllegalArgumentException().isThrownBy(() -> IpCidr.host(text));
        }
    }

    @Test
    void everyPlainIpv4AddressReadsAsItsOwnNetwork() {
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 2000; i++) {
            String text = random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
            assertThat(IpCidr.host(text)).as(text).isEqualTo(IpCidr.parse(text + "/32"));
            assertThat(IpCidr.parse(text + "/32").contains(text)).as(text).isTrue();
        }
    }

    @Test
    void namesAreNeverLookedUp() {
        assertThatIllegalArgumentException().isThrownBy(() -> IpCidr.parse("localhost/32"))
                .withMessageContaining("is not an IPv4 address");
        assertThat(IpCidr.isAddress("localhost")).isFalse();
        assertThat(IpCidr.isAddress("example.com")).isFalse();
        assertThat(IpCidr.isAddress("10.1.0.250")).isTrue();
        assertThat(IpCidr.isAddress("fd00::250")).isTrue();
    }

    @Test
    void nullIsRefusedWithTheArgumentName() {
        assertThatNullPointerException().isThrownBy(() -> IpCidr.parse(null)).withMessage("cidr");
        assertThatNullPointerException().isThrownBy(() -> IpCidr.host(null)).withMessage("address");
    }
}
