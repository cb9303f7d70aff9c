/**
 * Bucket names (global and local aliases), by Garage's rule, itself the S3 naming rule
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html) with punycode
 * refused in every label. A valid name can never be mistaken for a 64-hex bucket id.
 */

const ALLOWED = /^[a-z0-9.-]{3,63}$/;
// Garage refuses what Rust's `IpAddr` parses: four decimal octets, no leading zeros.
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

export function isValidBucketName(name: string): boolean {
  return (
    ALLOWED.test(name) &&
    !/^[.-]/.test(name) &&
    !/[.-]$/.test(name) &&
    !IPV4.test(name) &&
    !name.startsWith('xn--') &&
    !name.includes('.xn--') &&
    !name.endsWith('-s3alias')
  );
}

export function invalidBucketNameMessage(name: string): string {
  return (
    `${name}: invalid bucket name (3 to 63 characters among a-z, 0-9, '.' and '-', beginning and ending ` +
    `with a letter or digit, not an IP address, no 'xn--' label prefix, not ending with '-s3alias')`
  );
}
