/**
 * Cases of AWS's published SigV4 test suite (aws-sig-v4-test-suite, 2015-08-30 edition, service
 * `service`, region `us-east-1`), transcribed as this verifier receives requests: the path and
 * query as they arrive, lower-case header names. The expected canonical request, string to sign
 * and signature are AWS's. Cases whose path the suite normalises are taken in their
 * `-unnormalized` form (K2V never normalises paths); the duplicate-header cases are left out
 * (the contract signs a repeated header's first value, AWS joins them).
 */
import type { RequestHeaders } from '../../src/auth/headers.js';

export const AWS_SUITE = {
  accessKeyId: 'AKIDEXAMPLE',
  secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
  service: 'service',
  amzDate: '20150830T123600Z',
  scope: '20150830/us-east-1/service/aws4_request',
} as const;

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SuiteCase {
  readonly name: string;
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly headers: RequestHeaders;
  readonly payloadHash: string;
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly signature: string;
}

const BASE_HEADERS = { host: 'example.amazonaws.com', 'x-amz-date': AWS_SUITE.amzDate };

const sts = (hash: string): string =>
  `AWS4-HMAC-SHA256\n${AWS_SUITE.amzDate}\n${AWS_SUITE.scope}\n${hash}`;

const UNRESERVED = '-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export const SUITE_CASES: readonly SuiteCase[] = [
  {
    name: 'get-vanilla',
    method: 'GET',
    rawPath: '/',
    rawQuery: '',
    headers: BASE_HEADERS,
    payloadHash: EMPTY_SHA256,
    canonicalRequest: `GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63'),
    signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  },
  {
    name: 'get-unreserved',
    method: 'GET',
    rawPath: `/${UNRESERVED}`,
    rawQuery: '',
    headers: BASE_HEADERS,
    payloadHash: EMPTY_SHA256,
    canonicalRequest: `GET\n/${UNRESERVED}\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9'),
    signature: '07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f',
  },
  {
    // The suite's request line carries the raw character; encoding it once gives the suite's URI.
    name: 'get-utf8',
    method: 'GET',
    rawPath: '/\u1234',
    rawQuery: '',
    headers: BASE_HEADERS,
    payloadHash: EMPTY_SHA256,
    canonicalRequest: `GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102'),
    signature: '8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85',
  },
  {
    name: 'get-space',
    method: 'GET',
    rawPath: '/example space/',
    rawQuery: '',
    headers: BASE_HEADERS,
    payloadHash: EMPTY_SHA256,
    canonicalRequest: `GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86'),
    signature: '652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741',
  },
  {
    name: 'get-slashes-unnormalized',
    method: 'GET',
    rawPath: '//example//',
    rawQuery: '',
    headers: BASE_HEADERS,
    payloadHash: EMPTY_SHA256,
    canonicalRequest: `GET\n//example//\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('528ec3105ee1f34ab014bb0a1a45da0ed2742a4fea3555149e5b4d5d201eb240'),
    signature: '87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5',
  },
  {
    name: 'get-relative-unnormalized',
    method: 'GET',
    rawPath: '/example/..',
    rawQuery: '',
    headers: BASE_HEADERS,
    payloadHash: EMPTY_SHA256,
    canonicalRequest: `GET\n/example/..\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('0511f456aa502b456d135fcb9d749374a55228f9dbeedda1eacf659e05b0615b'),
    signature: 'eca7ead57bb5aa5c8e28007acd4ff04e1ff9a0ff3b237ec1554a184887ff9282',
  },
  {
    name: 'get-vanilla-query-order-key-case',
    method: 'GET',
    rawPath: '/',
    rawQuery: 'Param2=value2&Param1=value1',
    headers: BASE_HEADERS,
    payloadHash: EMPTY_SHA256,
    canonicalRequest: `GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0'),
    signature: 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500',
  },
  {
    name: 'get-vanilla-query-unreserved',
    method: 'GET',
    rawPath: '/',
    rawQuery: `${UNRESERVED}=${UNRESERVED}`,
    headers: BASE_HEADERS,
    payloadHash: EMPTY_SHA256,
    canonicalRequest: `GET\n/\n${UNRESERVED}=${UNRESERVED}\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177'),
    signature: '9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197',
  },
  {
    name: 'get-vanilla-utf8-query',
    method: 'GET',
    rawPath: '/',
    rawQuery: '%E1%88%B4=bar',
    headers: BASE_HEADERS,
    payloadHash: EMPTY_SHA256,
    canonicalRequest: `GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073'),
    signature: '2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04',
  },
  {
    name: 'get-vanilla-with-session-token',
    method: 'GET',
    rawPath: '/',
    rawQuery: '',
    headers: {
      ...BASE_HEADERS,
      'x-amz-security-token': '6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267',
    },
    payloadHash: EMPTY_SHA256,
    canonicalRequest:
      'GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n' +
      'x-amz-security-token:6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267\n\n' +
      `host;x-amz-date;x-amz-security-token\n${EMPTY_SHA256}`,
    stringToSign: sts('067b36aa60031588cea4a4cde1f21215227a047690c72247f1d70b32fbbfad2b'),
    signature: '07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8',
  },
  {
    name: 'get-header-value-trim',
    method: 'GET',
    rawPath: '/',
    rawQuery: '',
    headers: { ...BASE_HEADERS, 'my-header1': ' value1', 'my-header2': ' "a   b   c"' },
    payloadHash: EMPTY_SHA256,
    canonicalRequest:
      'GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:"a b c"\n' +
      `x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7'),
    signature: 'acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736',
  },
  {
    name: 'post-vanilla-query',
    method: 'POST',
    rawPath: '/',
    rawQuery: 'Param1=value1',
    headers: BASE_HEADERS,
    payloadHash: EMPTY_SHA256,
    canonicalRequest: `POST\n/\nParam1=value1\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd'),
    signature: '28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11',
  },
  {
    name: 'post-header-value-case',
    method: 'POST',
    rawPath: '/',
    rawQuery: '',
    headers: { ...BASE_HEADERS, 'my-header1': 'VALUE1' },
    payloadHash: EMPTY_SHA256,
    canonicalRequest:
      'POST\n/\n\nhost:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\n' +
      `host;my-header1;x-amz-date\n${EMPTY_SHA256}`,
    stringToSign: sts('d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93'),
    signature: 'cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d',
  },
  {
    // Body `Param1=value1`, no x-amz-content-sha256 header: the payload line is the body's hash.
    name: 'post-x-www-form-urlencoded',
    method: 'POST',
    rawPath: '/',
    rawQuery: '',
    headers: { ...BASE_HEADERS, 'content-type': 'application/x-www-form-urlencoded' },
    payloadHash: '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
    canonicalRequest:
      'POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n' +
      'x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n' +
      '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
    stringToSign: sts('42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281'),
    signature: 'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
  },
  {
    // The suite's later edition of the same request, with the body hash sent as a header.
    name: 'post-x-www-form-urlencoded (x-amz-content-sha256)',
    method: 'POST',
    rawPath: '/',
    rawQuery: '',
    headers: {
      ...BASE_HEADERS,
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': '13',
      'x-amz-content-sha256': '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
    },
    payloadHash: '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
    canonicalRequest:
      'POST\n/\n\ncontent-length:13\ncontent-type:application/x-www-form-urlencoded\n' +
      'host:example.amazonaws.com\n' +
      'x-amz-content-sha256:9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e\n' +
      'x-amz-date:20150830T123600Z\n\ncontent-length;content-type;host;x-amz-content-sha256;x-amz-date\n' +
      '9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e',
    stringToSign: sts('b1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb'),
    signature: 'd3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b',
  },
];

/** The signed-header list of a case, as its Authorization header would carry it. */
export function signedHeadersOf(c: SuiteCase): string[] {
  return Object.keys(c.headers).sort();
}
